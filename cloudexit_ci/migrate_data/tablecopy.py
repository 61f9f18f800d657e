"""What every job shares: its Settings, and the checkpointed DynamoDB table copy that
both the Alternator job (``runner``) and the CQL job (``cqlrun``) run with their own sink."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cloudexit_ci.migrate_data import ddbtable
from cloudexit_ci.migrate_data.checkpoint import Checkpoint
from cloudexit_ci.migrate_data.plan import TableJob
from cloudexit_ci.migrate_data.progress import Progress


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    resume: bool = False
    restart: bool = False
    segments: int = 4
    workers: int = 16
    batch_size: int = 25
    page_size: int = 1000
    max_read_rate: float = 0.0
    verify: str | None = None
    progress: str = "auto"
    create_target: bool = True
    multipart_threshold: int = 64 * 1024 * 1024
    part_size: int = 16 * 1024 * 1024
    skip_invalid_keys: bool = False
    cql_concurrency: int = 32
    checkpoint_every: float = 1.0
    raw_http: bool = True  # Scan/BatchWriteItem, S3 GET/PUT as raw signed HTTP (False: botocore)


def copy_table(
    job: TableJob,
    settings: Settings,
    source: Any,
    sink: Any,
    checkpoint: Checkpoint,
    out: TextIO,
    scanner: Any = None,
) -> None:
    """Copy with ``scanner`` (default: ``source``) doing the Scans; ``source`` describes."""
    from cloudexit_ci.migrate_data.dynamodb import ScanOptions, TableCopy

    if checkpoint.done:
        print(
            f"{job.address}: already migrated (checkpoint {checkpoint.path}); nothing to do",
            file=out,
        )
        return
    desc = ddbtable.require(source, job.source_table, "--source-table")
    options = ScanOptions(
        job.source_table,
        settings.segments,
        settings.page_size,
        settings.workers,
        settings.max_read_rate,
        settings.checkpoint_every,
    )
    total = int(desc.get("ItemCount") or 0) or None
    with Progress(job.address, total_items=total, mode=settings.progress) as progress:
        TableCopy(scanner or source, sink, options, checkpoint, progress).run()
    print(f"{job.address}: copied {progress.items:,} items", file=out)
