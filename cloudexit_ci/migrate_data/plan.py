"""What to move: jobs from the command line or from the stack manifest's ``dataPlan``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cloudexit_ci import manifest
from cloudexit_ci.errors import UserError
from cloudexit_ci.manifest import MANIFEST_PATH, DataMove
from cloudexit_ci.migrate_data.clients import Endpoint


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


def _get(side: Mapping[str, Any], where: str, name: str, key: str) -> str:
    value = side.get(key)
    if not isinstance(value, str) or not value:
        raise UserError(
            f"missing {name}.{key}",
            where=where,
            hint="regenerate the stack with `cloudexit-ci migrate`",
        )
    return value


def job_from_move(
    move: DataMove, where: str, source: Endpoint, target: Endpoint, overrides: dict[str, str]
) -> Job:
    """The job for one manifest data-plan entry; ``where`` names the entry in messages.

    The source's region is ``--source-region`` when given, else the move's own (the
    region Terraform's JSON recorded, ``source.region``), else the AWS environment's."""
    tgt = move.target
    service = str(tgt.get("service", ""))
    region = move.source.get("region")
    if source.region is None and isinstance(region, str) and region:
        source = replace(source, region=region)

    def get(name: str, key: str) -> str:
        return _get(move.source if name == "source" else tgt, where, name, key)

    if move.kind == "s3":
        url = overrides.get(service) or get("target", "endpoint")
        kind = "seaweedfs" if "seaweed" in service else "minio" if service == "minio" else "s3"
        return BucketJob(move.address, get("source", "bucket"), get("target", "bucket"),
                         source, replace(target, url=url), kind)  # fmt: skip
    if move.kind != "dynamodb":
        raise UserError(f"unknown kind {move.kind!r}", where=where, hint="dynamodb or s3")
    table, target_table = get("source", "table"), get("target", "table")
    if tgt.get("mode", "alternator") == "cql":
        hosts = overrides.get(service) or get("target", "hosts")
        columns = _columns(str(tgt.get("columns", "")))
        return TableJob(move.address, table, target_table, source, target, "cql",
                        get("target", "keyspace"), hosts, columns)  # fmt: skip
    url = overrides.get(service) or get("target", "endpoint")
    return TableJob(move.address, table, target_table, source, replace(target, url=url))


def stack_jobs(
    stack: Path, only: list[str], source: Endpoint, target: Endpoint, overrides: dict[str, str]
) -> list[Job]:
    plan = manifest.load(stack).data_plan
    where = f"{stack / MANIFEST_PATH}: dataPlan"
    jobs = [
        job_from_move(m, f"{where}[{i}]", source, target, overrides) for i, m in enumerate(plan)
    ]
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
