"""Table descriptions: key schema, and creating a missing target like the source."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data import retry


@dataclass(frozen=True)
class KeySchema:
    """The primary key: names and declared types (S, N or B)."""

    hash_name: str
    hash_type: str
    range_name: str | None = None
    range_type: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.hash_name,) if self.range_name is None else (self.hash_name, self.range_name)


def describe(client: Any, table: str, flag: str) -> dict[str, Any] | None:
    try:
        return dict(retry.call(lambda: client.describe_table(TableName=table))["Table"])
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code == "ResourceNotFoundException":
            return None
        raise


def require(client: Any, table: str, flag: str) -> dict[str, Any]:
    found = describe(client, table, flag)
    if found is None:
        raise UserError(f"table {table!r} does not exist", where=flag, hint="check the table name")
    return found


def key_schema(desc: dict[str, Any]) -> KeySchema:
    types = {a["AttributeName"]: a["AttributeType"] for a in desc["AttributeDefinitions"]}
    roles = {k["KeyType"]: k["AttributeName"] for k in desc["KeySchema"]}
    hash_name, range_name = roles["HASH"], roles.get("RANGE")
    return KeySchema(
        hash_name,
        types[hash_name],
        range_name,
        types[range_name] if range_name else None,
    )


def _index(spec: dict[str, Any], with_throughput: bool) -> dict[str, Any]:
    out = {k: spec[k] for k in ("IndexName", "KeySchema", "Projection")}
    if with_throughput:
        out["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    return out


def create_like(client: Any, table: str, source: dict[str, Any]) -> None:
    """Create ``table`` with the source's keys and indexes (on-demand billing)."""
    params: dict[str, Any] = {
        "TableName": table,
        "KeySchema": source["KeySchema"],
        "AttributeDefinitions": source["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if source.get("GlobalSecondaryIndexes"):
        params["GlobalSecondaryIndexes"] = [
            _index(g, False) for g in source["GlobalSecondaryIndexes"]
        ]
    if source.get("LocalSecondaryIndexes"):
        params["LocalSecondaryIndexes"] = [
            _index(x, False) for x in source["LocalSecondaryIndexes"]
        ]
    created = retry.call(lambda: client.create_table(**params))
    if created.get("TableDescription", {}).get("TableStatus") == "ACTIVE":
        return
    for attempt in range(600):
        desc = describe(client, table, "--target-table")
        if desc and desc.get("TableStatus") == "ACTIVE":
            return
        time.sleep(min(1.0, 0.02 * 2**attempt))
    raise UserError(f"table {table!r} did not become ACTIVE", where="--target-table")


def ensure_target(
    source_client: Any, source_table: str, target_client: Any, target_table: str, create: bool
) -> KeySchema:
    """The source's key schema; the target is created if missing, and must have the same keys."""
    source = require(source_client, source_table, "--source-table")
    keys = key_schema(source)
    target = describe(target_client, target_table, "--target-table")
    if target is None:
        if not create:
            raise UserError(
                f"target table {target_table!r} does not exist",
                where="--target-table",
                hint="create it (the stack's init job does) or drop --no-create-target",
            )
        create_like(target_client, target_table, source)
        return keys
    if key_schema(target) != keys:
        raise UserError(
            f"target table {target_table!r} has key {key_schema(target)}, the source has {keys}",
            where="--target-table",
            hint="recreate the target table with the source's key schema",
        )
    return keys
