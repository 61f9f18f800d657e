"""CQL names for the cql mode, shared by the schema renderer, the mapper's data plan
and the data migration: CQL keyspace and table names are [A-Za-z0-9_] (max 48),
even quoted, while DynamoDB allows `.` and `-`."""

from __future__ import annotations

import re


def keyspace_name(stack_name: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", stack_name.lower()).strip("_")[:48]
    return name if name and name[0].isalpha() else f"ks_{name}"[:48]


def table_name(dynamodb_name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", dynamodb_name)[:48]
    return name if name and name[0].isalpha() else f"t_{name}"[:48]
