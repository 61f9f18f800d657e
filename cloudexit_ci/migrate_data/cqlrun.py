"""The DynamoDB → CQL job: same scanner and checkpoints, a CqlSink as the writer."""

from __future__ import annotations

from typing import Any, TextIO

from cloudexit_ci.migrate_data import ddbtable, verify
from cloudexit_ci.migrate_data.checkpoint import Checkpoint
from cloudexit_ci.migrate_data.cql import CqlSink, CqlTable, connect, item_from_row
from cloudexit_ci.migrate_data.plan import TableJob
from cloudexit_ci.migrate_data.tablecopy import Settings, copy_table
from cloudexit_ci.migrate_data.wire import Item


def _rows(session: Any, table: CqlTable) -> list[list[Item]]:
    return [[item_from_row(row[0]) for row in session.execute(table.select_statement())]]


def run_cql(
    job: TableJob, settings: Settings, source: Any, checkpoint: Checkpoint, out: TextIO
) -> verify.Result | None:
    desc = ddbtable.require(source, job.source_table, "--source-table")
    keys = ddbtable.key_schema(desc)
    extra = tuple((n, t) for n, t in job.columns if n not in keys.names)
    table = CqlTable(job.keyspace or "", job.target_table, keys, extra)
    session = connect(job.hosts or "")
    sink = CqlSink(
        session, table, concurrency=settings.cql_concurrency, create=settings.create_target
    )
    copy_table(job, settings, source, sink, checkpoint, out)
    if not settings.verify:
        return None
    return verify.verify_table(
        job.address,
        "full" if settings.verify != "count" else "count",
        (source, job.source_table),
        lambda: _rows(session, table),
        lambda: sum(len(page) for page in _rows(session, table)),
        table.keys.names,
        settings.segments,
    )
