"""What to move: jobs from the command line or from the stack manifest's ``dataPlan``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data.clients import Endpoint

MANIFEST = Path(".cloudexit") / "manifest.json"


@dataclass(frozen=True)
class TableJob:
    address: str
    source_table: str
    target_table: str
    source: Endpoint = field(default_factory=Endpoint)
    target: Endpoint = field(default_factory=Endpoint)
    mode: str = "alternator"  # or "cql"
    keyspace: str | None = None
    hosts: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # cql: declared attributes (name, S|N|B)

    kind = "dynamodb"

    def describe(self) -> str:
        where = self.target.url if self.mode == "alternator" else f"cql://{self.hosts}"
        target = (
            self.target_table
            if self.mode == "alternator"
            else f"{self.keyspace}.{self.target_table}"
        )
        source = f"{self.source_table} ({self.source.url or 'AWS'})"
        return f"{self.address}: dynamodb table {source} → {self.mode} {target} ({where})"


@dataclass(frozen=True)
class BucketJob:
    address: str
    source_bucket: str
    target_bucket: str
    source: Endpoint = field(default_factory=Endpoint)
    target: Endpoint = field(default_factory=Endpoint)
    target_kind: str = "minio"

    kind = "s3"

    def describe(self) -> str:
        return (
            f"{self.address}: s3 bucket {self.source_bucket} ({self.source.url or 'AWS'}) "
            f"→ {self.target_kind} {self.target_bucket} ({self.target.url})"
        )


Job = TableJob | BucketJob


def parse_overrides(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        service, sep, url = value.partition("=")
        if not sep or not service or not url:
            raise UserError(
                f"bad override {value!r}",
                where="--target-endpoint-override",
                hint="write SERVICE=URL, e.g. minio=http://127.0.0.1:9000",
            )
        out[service] = url
    return out


def read_manifest(stack: Path) -> list[dict[str, Any]]:
    path = stack / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(
            "no manifest in the stack", where=str(path), hint="run `cloudexit-ci migrate` first"
        ) from exc
    except ValueError as exc:
        raise UserError(f"manifest is not JSON: {exc}", where=str(path)) from exc
    plan = data.get("dataPlan", []) if isinstance(data, dict) else None
    if not isinstance(plan, list):
        raise UserError("dataPlan is not a list", where=f"{path}: dataPlan")
    return plan


def _get(entry: dict[str, Any], where: str, *path: str) -> str:
    value: Any = entry
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise UserError(f"missing {'.'.join(path)}", where=where)
    return value


def job_from_entry(
    entry: dict[str, Any], index: int, source: Endpoint, target: Endpoint, overrides: dict[str, str]
) -> Job:
    where = f"{MANIFEST}: dataPlan[{index}]"
    address = _get(entry, where, "address")
    tgt = entry.get("target", {})
    service = tgt.get("service", "")
    if entry.get("kind") == "s3":
        url = overrides.get(service) or _get(entry, where, "target", "endpoint")
        kind = "seaweedfs" if "seaweed" in service else "minio" if service == "minio" else "s3"
        return BucketJob(
            address,
            _get(entry, where, "source", "bucket"),
            _get(entry, where, "target", "bucket"),
            source,
            replace(target, url=url),
            kind,
        )
    if entry.get("kind") != "dynamodb":
        raise UserError(f"unknown kind {entry.get('kind')!r}", where=where)
    mode = tgt.get("mode", "alternator")
    if mode == "cql":
        return TableJob(
            address,
            _get(entry, where, "source", "table"),
            _get(entry, where, "target", "table"),
            source,
            target,
            "cql",
            _get(entry, where, "target", "keyspace"),
            overrides.get(service) or _get(entry, where, "target", "hosts"),
            _columns(str(tgt.get("columns", ""))),
        )
    url = overrides.get(service) or _get(entry, where, "target", "endpoint")
    return TableJob(
        address,
        _get(entry, where, "source", "table"),
        _get(entry, where, "target", "table"),
        source,
        replace(target, url=url),
    )


def stack_jobs(
    stack: Path, only: list[str], source: Endpoint, target: Endpoint, overrides: dict[str, str]
) -> list[Job]:
    entries = read_manifest(stack)
    jobs = [job_from_entry(e, i, source, target, overrides) for i, e in enumerate(entries)]
    unknown = sorted(set(only) - {j.address for j in jobs})
    if unknown:
        raise UserError(
            f"no data-plan item {unknown[0]!r}",
            where="--only",
            hint="known: " + ", ".join(j.address for j in jobs),
        )
    return [j for j in jobs if not only or j.address in only]


def _columns(text: str) -> tuple[tuple[str, str], ...]:
    """``id:S,userId:S`` (the generator's typed CQL columns) → pairs."""
    pairs = (item.rsplit(":", 1) for item in text.split(",") if ":" in item)
    return tuple((name, kind) for name, kind in pairs if kind in ("S", "N", "B"))
