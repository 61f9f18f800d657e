"""CQL mode: statements and type mapping without a server; a recording fake session
checks what would be sent. The integration test needs CLOUDEXIT_TEST_CQL_HOSTS."""

from __future__ import annotations

import decimal
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data.cql import CqlSink, CqlTable, item_from_row, key_value
from cloudexit_ci.migrate_data.ddbtable import KeySchema
from cloudexit_ci.migrate_data.wire import canonical_item, from_json, to_json
from tests.migrate_data.helpers import edge_items

TABLE = CqlTable("app", "orders", KeySchema("pk", "S", "sk", "N"))


def test_create_statement_matches_the_cql_mode_schema() -> None:
    assert TABLE.create_statement() == (
        'CREATE TABLE IF NOT EXISTS "app"."orders" '
        '("pk" text, "sk" decimal, doc text, PRIMARY KEY (("pk"), "sk"))'
    )
    hash_only = CqlTable("app", "blobs", KeySchema("id", "B"))
    assert hash_only.create_statement() == (
        'CREATE TABLE IF NOT EXISTS "app"."blobs" ("id" blob, doc text, PRIMARY KEY (("id")))'
    )


def test_insert_statement_is_prepared_with_markers() -> None:
    assert TABLE.insert_statement() == (
        'INSERT INTO "app"."orders" ("pk", "sk", "doc") VALUES (?, ?, ?)'
    )


def test_key_types_are_exact() -> None:
    assert key_value({"S": "a"}, "S") == "a"
    big = "12345678901234567890123456789012345678.5"
    assert key_value({"N": big}, "N") == decimal.Decimal(big)
    assert str(key_value({"N": big}, "N")) == big
    assert key_value({"B": b"\x00\xff"}, "B") == b"\x00\xff"


def test_doc_is_lossless_dynamodb_json_for_every_type() -> None:
    for item in edge_items():
        text = to_json(item)
        assert isinstance(text, str)
        back = from_json(text)
        assert back == item  # exact: same number strings, same bytes
        assert canonical_item(item_from_row(text)) == canonical_item(item)


def test_bad_names_are_user_errors() -> None:
    with pytest.raises(UserError):
        CqlTable("app; DROP", "t", KeySchema("pk", "S")).insert_statement()


class FakeFuture:
    def __init__(self, session: FakeSession, statement: Any, params: Any):
        self.session, self.statement, self.params = session, statement, params

    def add_callbacks(self, callback: Any, callback_args: Any, errback: Any, errback_args: Any):  # type: ignore[no-untyped-def]
        threading.Thread(target=callback, args=([], *callback_args)).start()

    def clear_callbacks(self) -> None:
        return

    has_more_pages = False
    _continuous_paging_session = None
    _col_names = None
    _col_types = None


class FakeSession:
    """Records every statement and parameter tuple; answers like an empty success."""

    def __init__(self) -> None:
        self.executed: list[str] = []
        self.prepared: list[str] = []
        self.sent: list[tuple[Any, Any]] = []
        self.lock = threading.Lock()

    def execute(self, statement: str) -> list[Any]:
        self.executed.append(statement)
        return []

    def prepare(self, statement: str) -> str:
        self.prepared.append(statement)
        return f"PREPARED[{statement}]"

    def execute_async(self, statement: Any, params: Any, **kwargs: Any) -> FakeFuture:
        with self.lock:
            self.sent.append((statement, params))
        return FakeFuture(self, statement, params)


def test_sink_sends_prepared_inserts_with_exact_parameters() -> None:
    session = FakeSession()
    sink = CqlSink(session, TABLE, concurrency=4)
    items = edge_items()
    sink.write(items)
    assert session.executed == [TABLE.create_statement()]
    assert session.prepared == [TABLE.insert_statement()]
    assert len(session.sent) == len(items)
    prepared = f"PREPARED[{TABLE.insert_statement()}]"
    by_pk = {params[0]: params for statement, params in session.sent if statement == prepared}
    assert set(by_pk) == {item["pk"]["S"] for item in items}
    for item in items:
        _pk, sk, doc = by_pk[item["pk"]["S"]]
        assert sk == decimal.Decimal(item["sk"]["N"])
        assert from_json(doc) == item


def test_sink_passes_bounded_concurrency() -> None:
    calls: list[dict[str, Any]] = []

    def recorder(session: Any, statement: Any, rows: Any, **kwargs: Any) -> list[Any]:
        calls.append({"statement": statement, "rows": list(rows), **kwargs})
        return []

    sink = CqlSink(FakeSession(), TABLE, concurrency=7, execute=recorder, create=False)
    sink.write(edge_items()[:2])
    assert calls[0]["concurrency"] == 7 and calls[0]["raise_on_first_error"] is True
    assert [r[0] for r in calls[0]["rows"]] == ["scalars", "sets"]


@pytest.mark.skipif(
    not os.environ.get("CLOUDEXIT_TEST_CQL_HOSTS"),
    reason="no CQL server on this machine: set CLOUDEXIT_TEST_CQL_HOSTS=host[,host] to run",
)
def test_cql_integration(dynamodb_endpoint: str, tmp_path: Path) -> None:
    from cloudexit_ci.main import main
    from cloudexit_ci.migrate_data.cql import connect
    from tests.migrate_data.helpers import create_table, ddb, name, put_all

    hosts = os.environ["CLOUDEXIT_TEST_CQL_HOSTS"]
    session = connect(hosts)
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS cloudexit_test WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    client = ddb(dynamodb_endpoint)
    src = name("cql")
    create_table(client, src)
    put_all(client, src, edge_items())
    target = src.replace("-", "_")
    code = main(
        [
            "migrate-data", "dynamodb", "--source-table", src, "--source-endpoint",
            dynamodb_endpoint, "--target-mode", "cql", "--target-hosts", hosts,
            "--target-keyspace", "cloudexit_test", "--target-table", target,
            "--state-dir", str(tmp_path), "--verify", "full", "--progress", "none",
        ]
    )  # fmt: skip
    assert code == 0


def test_index_key_columns_are_typed_and_filled_for_the_views() -> None:
    """The cql mode's GSIs are materialized views over typed columns: the writer fills
    the declared index-key attributes too (null when an item lacks one)."""
    table = CqlTable("app", "items", KeySchema("id", "S"), (("userId", "S"), ("score", "N")))
    assert table.create_statement() == (
        'CREATE TABLE IF NOT EXISTS "app"."items" ("id" text, "userId" text, "score" decimal, '
        'doc text, PRIMARY KEY (("id")))'
    )
    assert table.insert_statement() == (
        'INSERT INTO "app"."items" ("id", "userId", "score", "doc") VALUES (?, ?, ?, ?)'
    )
    item = {"id": {"S": "a"}, "score": {"N": "1.50"}}
    row = table.row(item)
    assert row[:3] == ("a", None, decimal.Decimal("1.50"))
    assert json.loads(row[3]) == item


def test_plan_reads_the_generators_columns() -> None:
    from cloudexit_ci.migrate_data.plan import _columns

    assert _columns("id:S,userId:S,score:N,junk") == (("id", "S"), ("userId", "S"), ("score", "N"))
