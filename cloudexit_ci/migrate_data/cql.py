"""DynamoDB → CQL (cql mode of the stack): the type mapping and the writer.

Mapping (documented in docs/DATA-MIGRATION.md): the key attributes become typed
columns by their declared type (S → text, N → decimal, B → blob); the whole
item, keys included, goes into one ``doc text`` column as DynamoDB JSON wire
text, which is exact and lossless for every attribute type.
"""

from __future__ import annotations

import base64
import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data import hooks
from cloudexit_ci.migrate_data.ddbtable import KeySchema
from cloudexit_ci.migrate_data.external import mark
from cloudexit_ci.migrate_data.wire import Item, from_json, to_json

CQL_TYPES = {"S": "text", "N": "decimal", "B": "blob"}
DOC_COLUMN = "doc"
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}\Z")


def quote(name: str) -> str:
    """A CQL identifier, double-quoted (case and reserved words kept)."""
    return '"' + name.replace('"', '""') + '"'


def _check_name(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise UserError(
            f"{what} {name!r} is not a valid CQL name",
            where=f"--target-{what}",
            hint="letters, digits and _ (max 48)",
        )
    return name


@dataclass(frozen=True)
class CqlTable:
    keyspace: str
    table: str
    keys: KeySchema
    # declared non-key attributes (index keys): typed columns so the views can use them
    extra: tuple[tuple[str, str], ...] = ()

    @property
    def qualified(self) -> str:
        ks = _check_name(self.keyspace, "keyspace")
        return f"{quote(ks)}.{quote(_check_name(self.table, 'table'))}"

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.keys.names, *(name for name, _ in self.extra), DOC_COLUMN)

    def create_statement(self) -> str:
        keys = self.keys
        cols = [f"{quote(keys.hash_name)} {CQL_TYPES[keys.hash_type]}"]
        primary = f"({quote(keys.hash_name)})"
        if keys.range_name and keys.range_type:
            cols.append(f"{quote(keys.range_name)} {CQL_TYPES[keys.range_type]}")
            primary += f", {quote(keys.range_name)}"
        cols += [f"{quote(name)} {CQL_TYPES[kind]}" for name, kind in self.extra]
        cols.append(f"{DOC_COLUMN} text")
        return (
            f"CREATE TABLE IF NOT EXISTS {self.qualified} "
            f"({', '.join(cols)}, PRIMARY KEY ({primary}))"
        )

    def insert_statement(self) -> str:
        names = ", ".join(quote(c) for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        return f"INSERT INTO {self.qualified} ({names}) VALUES ({marks})"

    def select_statement(self) -> str:
        return f"SELECT {quote(DOC_COLUMN)} FROM {self.qualified}"

    def row(self, item: Item) -> tuple[Any, ...]:
        """The bound values for one item (key columns typed, then the doc)."""
        keys = self.keys
        values: list[Any] = [key_value(item[keys.hash_name], keys.hash_type)]
        if keys.range_name and keys.range_type:
            values.append(key_value(item[keys.range_name], keys.range_type))
        for name, kind in self.extra:  # absent or of another type: null (not in the view)
            av = item.get(name)
            values.append(key_value(av, kind) if av and kind in av else None)
        values.append(to_json(item))
        return tuple(values)


def key_value(av: dict[str, Any], kind: str) -> Any:
    """S → str, N → Decimal (exact), B → bytes."""
    if kind == "S":
        return str(av["S"])
    if kind == "N":
        return decimal.Decimal(av["N"])
    raw = av["B"]
    return raw if isinstance(raw, bytes) else base64.b64decode(raw)


def item_from_row(doc: str) -> Item:
    """The DynamoDB item stored in a row's doc column."""
    return from_json(doc)


Executor = Callable[..., Any]


def _default_executor() -> Executor:
    from cassandra.concurrent import execute_concurrent_with_args

    return execute_concurrent_with_args  # type: ignore[no-any-return]


class CqlSink:
    """Prepared INSERTs sent with execute_concurrent_with_args at bounded concurrency."""

    def __init__(
        self,
        session: Any,
        table: CqlTable,
        *,
        batch_size: int = 100,
        concurrency: int = 32,
        execute: Executor | None = None,
        create: bool = True,
    ):
        self.session = session
        self.table = table
        self.batch_size = batch_size
        self.concurrency = concurrency
        self._execute = execute or _default_executor()
        if create:
            session.execute(table.create_statement())
        self.prepared = session.prepare(table.insert_statement())

    def write(self, items: list[Item]) -> None:
        rows = [self.table.row(item) for item in items]
        self._execute(
            self.session,
            self.prepared,
            rows,
            concurrency=self.concurrency,
            raise_on_first_error=True,
        )
        hooks.maybe_kill("batch")


def connect(hosts: str, port: int = 9042) -> Any:
    """A cassandra-driver session for comma-separated ``hosts``."""
    from cassandra.cluster import Cluster

    cluster = Cluster([h.strip() for h in hosts.split(",") if h.strip()], port=port)
    try:
        return cluster.connect()
    except Exception as exc:  # NoHostAvailable…: migrate_data.external names the hosts
        raise mark(exc, f"cql://{hosts}:{port}") from None
