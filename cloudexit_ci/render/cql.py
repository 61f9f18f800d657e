"""The cql mode's schema: one keyspace, a table per DynamoDB table, GSIs/LSIs as
materialized views.

Type mapping (documented in docs/DATA-MIGRATION.md): every *declared* attribute
(keys of the table and its indexes) is a typed column (S→text, N→decimal,
B→blob); the whole item is kept losslessly in ``doc`` as DynamoDB JSON.
GSIs become materialized views (queries by index key keep their semantics; a
secondary index would scan for range conditions). Per-item TTL is lost.
"""

from __future__ import annotations

from cloudexit_ci.cqlnames import keyspace_name, table_name
from cloudexit_ci.options import Options
from cloudexit_ci.stack import Index, Stack, Table

CQL_TYPES = {"S": "text", "N": "decimal", "B": "blob"}


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def schema_cql(stack: Stack, options: Options, header: str) -> str:
    keyspace = quote(keyspace_name(options.stack_name))
    lines = [
        f"-- {header}",
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace}",
        "  WITH replication = {'class': 'NetworkTopologyStrategy', 'replication_factor': 1};",
        "",
    ]
    for _, table in sorted(stack.tables.items()):
        lines += _table(keyspace, table)
    return "\n".join(lines) + "\n"


def _primary_key(hash_key: str, range_key: str | None) -> str:
    key = f"({quote(hash_key)})"
    return f"({key}, {quote(range_key)})" if range_key else f"({key})"


def _table(keyspace: str, table: Table) -> list[str]:
    name = f"{keyspace}.{quote(table_name(table.name))}"
    columns = [f"  {quote(a)} {CQL_TYPES.get(t, 'text')}," for a, t in table.attributes]
    lines = [f"CREATE TABLE IF NOT EXISTS {name} (", *columns, "  doc text,"]
    lines.append(f"  PRIMARY KEY {_primary_key(table.keys.hash_key, table.keys.range_key)}")
    lines += [");", ""]
    for index in (*table.gsis, *table.lsis):
        lines += _view(keyspace, table, index)
    return lines


def _view(keyspace: str, table: Table, index: Index) -> list[str]:
    base_keys = [k for k in (table.keys.hash_key, table.keys.range_key) if k]
    view_keys = [k for k in (index.keys.hash_key, index.keys.range_key) if k]
    clustering = view_keys[1:] + [k for k in base_keys if k not in view_keys]
    not_null = " AND ".join(f"{quote(k)} IS NOT NULL" for k in dict.fromkeys(view_keys + base_keys))
    pk = f"(({quote(view_keys[0])})" + "".join(f", {quote(c)}" for c in clustering) + ")"
    view = f"{keyspace}.{quote(table_name(table.name + '_' + index.name))}"
    return [
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {view} AS",
        f"  SELECT * FROM {keyspace}.{quote(table_name(table.name))}",
        f"  WHERE {not_null}",
        f"  PRIMARY KEY {pk};",
        "",
    ]
