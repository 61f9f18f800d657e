"""Run one job: plan, copy with checkpoints, verify."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any, TextIO

from cloudexit_ci.migrate_data import ddbtable, verify
from cloudexit_ci.migrate_data.checkpoint import Checkpoint
from cloudexit_ci.migrate_data.clients import client
from cloudexit_ci.migrate_data.external import boundary
from cloudexit_ci.migrate_data.plan import BucketJob, Job, TableJob
from cloudexit_ci.migrate_data.progress import Progress
from cloudexit_ci.migrate_data.tablecopy import Settings as Settings
from cloudexit_ci.migrate_data.tablecopy import copy_table


def _fingerprint(job: Job) -> dict[str, Any]:
    data = asdict(job)
    data["kind"] = job.kind
    for side in ("source", "target"):
        data[side] = {"url": data[side]["url"], "region": data[side]["region"]}
    return data


def _checkpoint(job: Job, settings: Settings) -> Checkpoint:
    return Checkpoint.open(
        settings.state_dir, _fingerprint(job), resume=settings.resume, restart=settings.restart
    )


def run_job(job: Job, settings: Settings, out: TextIO | None = None) -> verify.Result | None:
    """Copy (unless already finished), then verify when asked. Returns the verify result."""
    out = out or sys.stdout
    with boundary(_endpoints(job)):
        if isinstance(job, TableJob):
            return _run_table(job, settings, out)
        return _run_bucket(job, settings, out)


def _endpoints(job: Job) -> str:
    """Both sides, for a failure that does not say which endpoint it met."""
    target = job.target.url
    if isinstance(job, TableJob) and job.mode == "cql":
        target = f"cql://{job.hosts}"
    return f"{job.address}: {job.source.url or 'AWS'} → {target or 'AWS'}"


def _run_table(job: TableJob, settings: Settings, out: TextIO) -> verify.Result | None:
    pool = settings.workers + settings.segments + 4
    source = client("dynamodb", job.source, pool=pool)
    checkpoint = _checkpoint(job, settings)
    if job.mode == "cql":
        from cloudexit_ci.migrate_data.cqlrun import run_cql

        return run_cql(job, settings, source, checkpoint, out)
    target = client("dynamodb", job.target, pool=pool, flag="--target-endpoint")
    keys = ddbtable.ensure_target(
        source, job.source_table, target, job.target_table, settings.create_target
    )
    scanner, writer = source, target
    if settings.raw_http:
        from cloudexit_ci.migrate_data.rawddb import RawDynamo

        scanner = RawDynamo(job.source, pool=pool, like=source)
        writer = RawDynamo(job.target, pool=pool, flag="--target-endpoint", like=target)
    sink = _alternator_sink(writer, job, settings)
    copy_table(job, settings, source, sink, checkpoint, out, scanner)
    if not settings.verify:
        return None
    return verify.verify_table(
        job.address,
        settings.verify,
        (source, job.source_table),
        lambda: verify.scan_items(target, job.target_table, settings.segments),
        lambda: verify.count_items(target, job.target_table, settings.segments),
        keys.names,
        settings.segments,
        lambda k: verify.fetch_items(target, job.target_table, k),
    )


def _alternator_sink(target: Any, job: TableJob, settings: Settings) -> Any:
    from cloudexit_ci.migrate_data.dynamodb import AlternatorSink

    return AlternatorSink(target, job.target_table, settings.batch_size)


def _run_bucket(job: BucketJob, settings: Settings, out: TextIO) -> verify.Result | None:
    from cloudexit_ci.migrate_data import s3
    from cloudexit_ci.migrate_data.s3verify import verify_bucket

    source = client("s3", job.source, pool=settings.workers + 4)
    target = client("s3", job.target, pool=settings.workers + 4, flag="--target-endpoint")
    checkpoint = _checkpoint(job, settings)
    options = s3.S3Options(
        job.source_bucket,
        job.target_bucket,
        settings.workers,
        settings.multipart_threshold,
        settings.part_size,
        job.target_kind,
    )
    if checkpoint.done:
        print(
            f"{job.address}: already migrated (checkpoint {checkpoint.path}); nothing to do",
            file=out,
        )
    else:
        raw = None
        if settings.raw_http:
            from cloudexit_ci.migrate_data.raws3 import RawS3

            raw = (
                RawS3(job.source, pool=settings.workers + 4, like=source),
                RawS3(job.target, pool=settings.workers + 4, flag="--target-endpoint", like=target),
            )
        count, size, invalid = s3.scan_keys(raw[0] if raw else source, options)
        for line in s3.report_invalid(invalid, job.target_kind, settings.skip_invalid_keys):
            print(f"warning: {line}", file=sys.stderr)
        s3.ensure_bucket(target, job.target_bucket)
        with Progress(job.address, total_items=count, mode=settings.progress) as progress:
            s3.BucketCopy(source, target, options, checkpoint, progress, raw).run()
        print(
            f"{job.address}: copied {progress.items:,} objects ({size:,} bytes listed), "
            f"{progress.skipped:,} already present",
            file=out,
        )
    if not settings.verify:
        return None
    return verify_bucket(
        job.address, settings.verify, (source, job.source_bucket), (target, job.target_bucket)
    )
