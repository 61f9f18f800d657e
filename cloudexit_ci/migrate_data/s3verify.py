"""--verify for buckets: a merge-join of both sorted listings (bounded memory)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from typing import Any

from cloudexit_ci.migrate_data import retry
from cloudexit_ci.migrate_data.s3 import list_objects
from cloudexit_ci.migrate_data.verify import Result


def _objects(client: Any, bucket: str) -> Iterator[dict[str, Any]]:
    for page in list_objects(client, bucket):
        yield from page


def content_hash(client: Any, bucket: str, key: str) -> str:
    def once() -> str:
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        digest = hashlib.sha256()
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            digest.update(chunk)
        return digest.hexdigest()

    return retry.call(once)


def _pairs(
    source: Iterator[dict[str, Any]], target: Iterator[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Walk two key-ordered listings together."""
    a, b = next(source, None), next(target, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a["Key"] < b["Key"]):
            yield a, None
            a = next(source, None)
        elif a is None or b["Key"] < a["Key"]:
            yield None, b
            b = next(target, None)
        else:
            yield a, b
            a, b = next(source, None), next(target, None)


def verify_bucket(
    name: str, mode: str, source: tuple[Any, str], target: tuple[Any, str], rate: float = 0.01
) -> Result:
    counts = {"source": 0, "target": 0, "checked": 0, "missing": 0, "extra": 0, "different": 0}
    examples: list[str] = []
    rng = random.Random()
    for a, b in _pairs(_objects(*source), _objects(*target)):
        counts["source"] += a is not None
        counts["target"] += b is not None
        if mode == "count":
            continue
        problem = None
        if b is None:
            problem = "missing"
        elif a is None:
            problem = "extra"
        elif int(a["Size"]) != int(b["Size"]):
            problem = "different"
        elif mode == "full" or rng.random() < rate or counts["checked"] < 20:
            counts["checked"] += 1
            if content_hash(source[0], source[1], a["Key"]) != content_hash(
                target[0], target[1], a["Key"]
            ):
                problem = "different"
        if problem:
            counts[problem] += 1
            if len(examples) < 9:
                examples.append(f"{problem} {(a or b or {}).get('Key')!r}")
    return Result(name, mode, **counts, examples=tuple(examples))
