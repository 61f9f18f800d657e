"""--verify count|sample|full: compare source and target, print a table.

count  : item / object counts (and bytes for S3) on both sides.
sample : count, plus a random sample compared item by item (by content hash).
full   : a hash of every item / object on both sides, compared key by key.
Numbers are compared by value (``1.0`` equals ``1``), sets ignore order.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.migrate_data import retry
from cloudexit_ci.migrate_data.dynamodb import next_limit
from cloudexit_ci.migrate_data.wire import Item, item_digest, key_digest

MODES = ("count", "sample", "full")


@dataclass(frozen=True)
class Result:
    name: str
    mode: str
    source: int
    target: int
    checked: int = 0
    missing: int = 0
    extra: int = 0
    different: int = 0
    examples: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        counts_ok = self.source == self.target
        return counts_ok and not (self.missing or self.extra or self.different)


def table(results: Iterable[Result]) -> str:
    head = "| what | mode | source | target | checked | missing | extra | different | result |"
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        verdict = "OK" if r.ok else "MISMATCH"
        lines.append(
            f"| {r.name} | {r.mode} | {r.source:,} | {r.target:,} | {r.checked:,} | "
            f"{r.missing:,} | {r.extra:,} | {r.different:,} | {verdict} |"
        )
        lines.extend(f"|   e.g. {example} | | | | | | | | |" for example in r.examples)
    return "\n".join(lines)


# --- DynamoDB ---------------------------------------------------------------


def scan_items(client: Any, table: str, segments: int, **extra: Any) -> Iterator[list[Item]]:
    """Pages of a parallel scan, yielded as they arrive (segments run in threads)."""

    def segment_pages(segment: int) -> list[list[Item]]:
        pages, start, limit = [], None, 100
        while True:
            params: dict[str, Any] = {
                "TableName": table,
                "Segment": segment,
                "TotalSegments": segments,
                "Limit": limit,
                **extra,
            }
            if start:
                params["ExclusiveStartKey"] = start
            page = retry.call(functools.partial(client.scan, **params))
            pages.append(page.get("Items", []) if "Select" not in extra else [{"n": page["Count"]}])
            start = page.get("LastEvaluatedKey")
            if not start:
                return pages
            limit = next_limit(limit, int(page.get("Count", 0)), True, 1000)

    with ThreadPoolExecutor(segments) as pool:
        for pages in pool.map(segment_pages, range(segments)):
            yield from pages


def count_items(client: Any, table: str, segments: int) -> int:
    pages = scan_items(client, table, segments, Select="COUNT")
    return sum(int(page[0]["n"]) for page in pages)  # type: ignore[call-overload]


def digests(pages: Iterable[list[Item]], key_names: tuple[str, ...]) -> dict[bytes, bytes]:
    return {key_digest(i, key_names): item_digest(i) for page in pages for i in page}


def compare(name: str, mode: str, source: dict[bytes, bytes], target: dict[bytes, bytes]) -> Result:
    missing = [k for k in source if k not in target]
    extra = [k for k in target if k not in source]
    different = [k for k, v in source.items() if k in target and target[k] != v]
    examples = tuple(
        f"{kind} key#{k.hex()[:12]}"
        for kind, keys in (("missing", missing), ("extra", extra), ("different", different))
        for k in keys[:3]
    )
    return Result(
        name, mode, len(source), len(target), len(source), len(missing), len(extra),
        len(different), examples,
    )  # fmt: skip


def sample_items(client: Any, table: str, size: int, rng: random.Random) -> list[Item]:
    """About ``size`` items from random segments of a 64-way scan."""
    chosen = rng.sample(range(64), 8)
    out: list[Item] = []
    for segment in chosen:
        params = {"TableName": table, "Segment": segment, "TotalSegments": 64}
        page = retry.call(functools.partial(client.scan, Limit=max(1, size // 8), **params))
        out.extend(page.get("Items", []))
    return out


def fetch_items(client: Any, table: str, keys: list[Item]) -> list[Item]:
    """BatchGetItem (100 keys a call), retrying UnprocessedKeys."""
    found: list[Item] = []
    for start in range(0, len(keys), 100):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + 100]}}
        delays = retry.DEFAULT_BACKOFF.delays()
        while request:
            answer = retry.call(functools.partial(client.batch_get_item, RequestItems=request))
            found.extend(answer.get("Responses", {}).get(table, []))
            request = {k: v for k, v in (answer.get("UnprocessedKeys") or {}).items() if v}
            if request:
                time.sleep(next(delays, 1.0))
    return found


def verify_table(
    name: str,
    mode: str,
    source: tuple[Any, str],
    target_items: Callable[[], Iterable[list[Item]]],
    target_count: Callable[[], int],
    key_names: tuple[str, ...],
    segments: int = 4,
    target_fetch: Callable[[list[Item]], list[Item]] | None = None,
) -> Result:
    client, table_name = source
    if mode == "full":
        src = digests(scan_items(client, table_name, segments), key_names)
        return compare(name, mode, src, digests(target_items(), key_names))
    n_source, n_target = count_items(client, table_name, segments), target_count()
    if mode == "count" or target_fetch is None:
        return Result(name, mode, n_source, n_target)
    sample = sample_items(client, table_name, 1000, random.Random())
    keys = [{k: item[k] for k in key_names} for item in sample]
    src = digests([sample], key_names)
    tgt = digests([target_fetch(keys)], key_names)
    part = compare(name, mode, src, tgt)
    return Result(
        name, mode, n_source, n_target, part.checked, part.missing, 0, part.different,
        part.examples,
    )  # fmt: skip
