"""The DynamoDB contenders of bench/migrate_data_bench.py (method in its docstring):
the generated items, the spec's script, the write / scan / copy ceilings and ours."""

from __future__ import annotations

import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.dynamodb import next_limit
from cloudexit_ci.migrate_data.plan import TableJob
from cloudexit_ci.migrate_data.runner import Settings, run_job

THREADS = 8  # the boto3 ceiling's threads (the previous definition)
RAW_THREADS = 16  # the raw ceiling's threads: as many requests in flight as ours (--workers)


def make_items(count: int, mixed: bool, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = []
    for i in range(count):
        roll = rng.random()
        size = 100
        if mixed and roll < 0.05:
            size = rng.randint(50_000, 300_000)
        elif mixed and roll < 0.15:
            size = rng.randint(1_000, 20_000)
        items.append(
            {
                "pk": {"S": f"user#{i}"},
                "n": {"N": f"{i}.{rng.randint(0, 10**12)}"},
                "tags": {"SS": ["a", "b"]},
                "body": {"S": "x" * size},
            }
        )
    return items


def create(ddb: Any, table: str) -> None:
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def count_items(ddb: Any, table: str) -> int:
    total, start, limit = 0, None, 100
    while True:
        extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName=table, Select="COUNT", Limit=limit, **extra)
        total += int(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return total
        limit = next_limit(limit, int(page["Count"]), True, 1000)


def raw_batch_loop(
    writer: Any, table: str, items: list[dict[str, Any]], threads: int = THREADS
) -> float:
    """The ceiling: ``threads`` threads, each BatchWriteItem of 25, UnprocessedItems retried.

    ``writer`` is a boto3 client or a RawDynamo (the items have no binaries, so their
    botocore form is their wire form)."""

    def write(chunk: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in chunk]}
        while request:
            request = writer.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    chunks = [items[i : i + 25] for i in range(0, len(items), 25)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(write, chunks))
    return time.perf_counter() - started


def scan_loop(reader: Any, table: str, segments: int = 4) -> float:
    """What the source allows: ``segments`` threads of raw Scans of SOURCE, items dropped."""

    def scan(segment: int) -> None:
        start, limit = None, 100
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = reader.scan(
                TableName=table, Segment=segment, TotalSegments=segments, Limit=limit, **extra
            )
            start = page.get("LastEvaluatedKey")
            if not start:
                return
            limit = next_limit(limit, len(page.get("Items", [])), True, 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(segments) as pool:
        list(pool.map(scan, range(segments)))
    return time.perf_counter() - started


def copy_loop(reader: Any, writer: Any, source: str, table: str, segments: int = 4) -> float:
    """A bare parallel copy: ``segments`` raw Scans of SOURCE feeding RAW_THREADS raw
    BatchWriteItem threads, no checkpoints, no bound on memory, no retries but
    UnprocessedItems: what ours would be with none of its bookkeeping."""

    def write(chunk: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in chunk]}
        while request:
            request = writer.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    def scan(segment: int, pool: ThreadPoolExecutor) -> list[Any]:
        start, futures, limit = None, [], 100
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            page = reader.scan(
                TableName=source, Segment=segment, TotalSegments=segments, Limit=limit, **extra
            )
            items = page.get("Items", [])
            futures += [pool.submit(write, items[i : i + 25]) for i in range(0, len(items), 25)]
            start = page.get("LastEvaluatedKey")
            if not start:
                return futures
            limit = next_limit(limit, len(items), True, 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(RAW_THREADS) as pool, ThreadPoolExecutor(segments) as scanners:
        for futures in list(scanners.map(lambda n: scan(n, pool), range(segments))):
            for future in futures:
                future.result()
    return time.perf_counter() - started


def spec_copy(source: Any, target: Any, src_table: str, table: str) -> float:
    """The spec's script: scan all into memory, then put one item at a time, awaited."""
    started = time.perf_counter()
    everything, start = [], None
    while True:
        extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        page = source.scan(TableName=src_table, **extra)
        everything.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    for item in everything:
        target.put_item(TableName=table, Item=item)
    return time.perf_counter() - started


def ours(src_url: str, dst_url: str, source: str, target: str, state: Path) -> float:
    job = TableJob("bench", source, target, Endpoint(src_url), Endpoint(dst_url))
    settings = Settings(state_dir=state, progress="none")  # the CLI's defaults
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull:
        run_job(job, settings, out=devnull)
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return float(statistics.median(values))
