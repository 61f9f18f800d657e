"""DynamoDB → Alternator (or CQL): parallel scan, batched writes, checkpoint per page.

One scanner thread per segment reads pages (Segment/TotalSegments, at most
``page_size`` items each) and hands them, cut into batches, to a shared pool of
writer threads. While earlier pages are being written, the scanner reads ahead,
as long as the pages not yet stored hold at most two pages' worth of items and
8 MB (so 1 MB pages of large items still keep every writer busy). Pages are
settled in order: only when every batch of page N is stored is the segment's
LastEvaluatedKey for page N recorded; the checkpoint file is rewritten at most
once per ``checkpoint_every`` seconds (each atomic write costs an fsync, ~5-20
ms, in a scanner thread) and always when a segment ends. A crash replays at most the pages
after the last checkpoint; writes are puts by primary key, so a replay
overwrites with identical items and duplicates nothing.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from cloudexit_ci.errors import ExternalError
from cloudexit_ci.migrate_data import hooks, retry
from cloudexit_ci.migrate_data.checkpoint import Checkpoint
from cloudexit_ci.migrate_data.progress import Progress
from cloudexit_ci.migrate_data.ratelimit import RateLimiter
from cloudexit_ci.migrate_data.wire import WIRE_BYTES, Item, approx_size, decode_key, encode_key

BATCH_BYTES = 15 * 1024 * 1024  # BatchWriteItem allows 16 MB per request
MAX_AHEAD_BYTES = 8 * 1024 * 1024  # per segment: scanned, not yet stored


class Sink(Protocol):
    """Where items go. ``write`` returns only once every item is stored."""

    batch_size: int

    def write(self, items: list[Item]) -> None: ...


@dataclass(frozen=True)
class ScanOptions:
    table: str
    segments: int = 4
    page_size: int = 1000
    workers: int = 16
    max_read_rate: float = 0.0
    checkpoint_every: float = 1.0  # seconds between checkpoint writes (0: every page)


class AlternatorSink:
    """BatchWriteItem into a DynamoDB-API table, retrying UnprocessedItems with backoff."""

    def __init__(
        self,
        client: Any,
        table: str,
        batch_size: int = 25,
        backoff: retry.Backoff = retry.DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.table = table
        self.batch_size = batch_size
        self.backoff = backoff
        self._sleep = sleep

    def write(self, items: list[Item]) -> None:
        for chunk in _by_bytes(items, self.batch_size):
            self._write_batch(chunk)

    def _write_batch(self, items: list[Item]) -> None:
        pending: dict[str, Any] = {self.table: [{"PutRequest": {"Item": i}} for i in items]}
        delays = self.backoff.delays()
        while pending:
            answer = retry.call(
                functools.partial(self.client.batch_write_item, RequestItems=pending),
                backoff=self.backoff,
                sleep=self._sleep,
            )
            pending = {k: v for k, v in (answer.get("UnprocessedItems") or {}).items() if v}
            if pending:
                delay = next(delays, None)
                if delay is None:
                    raise ExternalError(
                        f"table {self.table}: items still unprocessed after every retry",
                        where=_url(self.client),
                        hint="the target is overloaded: lower --workers or --batch-size",
                    )
                self._sleep(delay)
        hooks.maybe_kill("batch")


def _url(client: Any) -> str:
    return str(getattr(client, "url", None) or getattr(client.meta, "endpoint_url", "target"))


def _by_bytes(items: list[Item], size: int) -> list[list[Item]]:
    """Batches of at most ``size`` items and (when items may be large) < 15 MB."""
    if size <= 25:
        return [items[i : i + size] for i in range(0, len(items), size)]
    out: list[list[Item]] = [[]]
    total = 0
    for item in items:
        nbytes = approx_size(item)
        if out[-1] and (len(out[-1]) >= size or total + nbytes > BATCH_BYTES):
            out.append([])
            total = 0
        out[-1].append(item)
        total += nbytes
    return [chunk for chunk in out if chunk]


def next_limit(limit: int, returned: int, more: bool, page_size: int) -> int:
    """The ``Limit`` of a segment's next Scan page.

    A page that stops short of ``limit`` while more follows was cut by the 1 MB page
    cap: ask next for about as many items as fitted (+25 %), because a server may
    read ``Limit`` items and drop those past 1 MB. DynamoDB Local does: with items
    of ~10 KB on average, Limit 1000 costs its JVM ~4x the CPU of Limit 100 for the
    same items (bench/migrate_data_bench.py). A full page doubles the limit, up to
    ``page_size``, so small items still come 1000 to a page.
    """
    if not more:
        return limit
    if returned < limit:
        return max(1, min(page_size, returned + returned // 4 + 1))
    return min(page_size, 2 * limit)


@dataclass
class _Page:
    """One scanned page: its write futures, the LastEvaluatedKey after it, its size."""

    futures: list[Future[None]]
    lek: Any
    items: int
    nbytes: int


class TableCopy:
    """Copy one table with ``segments`` scanners feeding ``workers`` writer threads."""

    def __init__(
        self,
        source: Any,
        sink: Sink,
        options: ScanOptions,
        checkpoint: Checkpoint,
        progress: Progress,
    ):
        self.source = source
        self.sink = sink
        self.options = options
        self.checkpoint = checkpoint
        self.progress = progress
        self.limiter = RateLimiter(options.max_read_rate)
        self._stop = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    def run(self) -> None:
        total = int(self.checkpoint.get("total_segments") or self.options.segments)
        if self.checkpoint.get("total_segments") is None:
            self.checkpoint.update(total_segments=total)
        todo = [s for s in range(total) if not self._segment(s).get("done")]
        with (
            ThreadPoolExecutor(self.options.workers, "ddb-write") as pool,
            ThreadPoolExecutor(max(1, len(todo)), "ddb-scan") as scanners,
        ):
            self._pool = pool
            futures = [scanners.submit(self._run_segment, s, total) for s in todo]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in done if f.exception() is not None]
            if failed:
                self._stop.set()
                wait(futures)
                self.checkpoint.flush()  # keep what the other segments stored
                raise failed[0].exception()  # type: ignore[misc]
        self.checkpoint.update(done=True)

    def _segment(self, segment: int) -> dict[str, Any]:
        found = self.checkpoint.get("segments", {}).get(str(segment))
        return dict(found) if found else {"lek": None, "done": False, "items": 0}

    def _run_segment(self, segment: int, total: int) -> None:
        state = self._segment(segment)
        start = decode_key(state["lek"])
        count = int(state["items"])
        pending: deque[_Page] = deque()
        limit = min(100, self.options.page_size)  # a small first page: writers start at once
        while not self._stop.is_set():
            items, lek, nbytes = self._scan_page(segment, total, start, limit)
            limit = next_limit(limit, len(items), lek is not None, self.options.page_size)
            pending.append(self._submit(items, lek, nbytes))
            while len(pending) > 1 and self._too_much(pending):
                count = self._settle(segment, pending.popleft(), count)
            if lek is None:
                break
            start = lek
        while pending:
            count = self._settle(segment, pending.popleft(), count)

    def _too_much(self, pending: deque[_Page]) -> bool:
        """Scan ahead while the pages not yet stored stay within two pages' worth of items
        and MAX_AHEAD_BYTES: big items make 1 MB pages of few items, and two such
        pages would leave the writers idle while the next page is being scanned."""
        items = sum(page.items for page in pending)
        nbytes = sum(page.nbytes for page in pending)
        return items > 2 * self.options.page_size or nbytes > MAX_AHEAD_BYTES

    def _settle(self, segment: int, page: _Page, count: int) -> int:
        for future in page.futures:
            future.result()
        count += page.items
        state = {"lek": encode_key(page.lek), "done": page.lek is None, "items": count}
        every = 0.0 if page.lek is None else self.options.checkpoint_every
        self.checkpoint.update_in("segments", str(segment), state, every=every)
        return count

    def _submit(self, items: list[Item], lek: Any, nbytes: int) -> _Page:
        """Queue a page's batches; ``nbytes`` (the page's size) is shared out by item count."""
        assert self._pool is not None
        size = max(1, self.sink.batch_size)
        futures = []
        for i in range(0, len(items), size):
            chunk = items[i : i + size]
            share = nbytes * len(chunk) // len(items)
            futures.append(self._pool.submit(self._write, chunk, share))
        return _Page(futures, lek, len(items), nbytes)

    def _write(self, chunk: list[Item], nbytes: int) -> None:
        if self._stop.is_set():
            raise RuntimeError("stopped after an error in another segment")
        self.sink.write(chunk)
        self.progress.add(len(chunk), nbytes)

    def _scan_page(
        self, segment: int, total: int, start: Item | None, limit: int
    ) -> tuple[list[Item], Any, int]:
        """One page: its items, LastEvaluatedKey and size in bytes (the raw client's answer
        length; otherwise estimated item by item, which costs ~5 us per small item)."""
        params: dict[str, Any] = {
            "TableName": self.options.table,
            "Segment": segment,
            "TotalSegments": total,
            "Limit": limit,
        }
        if start is not None:
            params["ExclusiveStartKey"] = start
        if self.limiter.rate > 0:
            params["ReturnConsumedCapacity"] = "TOTAL"
            self.limiter.wait()
        page = retry.call(lambda: self.source.scan(**params))
        if self.limiter.rate > 0:
            used = (page.get("ConsumedCapacity") or {}).get("CapacityUnits")
            self.limiter.charge(float(used) if used is not None else 0.5 * page["ScannedCount"])
        items = list(page.get("Items", []))
        nbytes = page.get(WIRE_BYTES)
        if nbytes is None:
            nbytes = sum(approx_size(item) for item in items)
        return items, page.get("LastEvaluatedKey"), int(nbytes)
