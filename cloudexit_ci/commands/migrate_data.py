"""`cloudexit-ci migrate-data`: copy DynamoDB tables and S3 buckets, resumably, and verify.

    cloudexit-ci migrate-data dynamodb --source-table T --target-table T2 \
        --target-endpoint URL --state-dir DIR [--resume] [--segments N] [--verify full]
    cloudexit-ci migrate-data s3 --source-bucket B --target-bucket B2 \
        --target-endpoint URL --state-dir DIR [--resume]
    cloudexit-ci migrate-data --stack OUT --state-dir DIR [--only ADDRESS]

boto3 / cassandra-driver are imported only when a job runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cloudexit_ci.errors import UserError
from cloudexit_ci.layers import add_arguments as _add
from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.plan import (
    BucketJob,
    Job,
    TableJob,
    parse_overrides,
    stack_jobs,
)

if TYPE_CHECKING:  # boto3 stays unimported until a job runs
    from cloudexit_ci.migrate_data.tablecopy import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "migrate-data")


def _endpoint(args: argparse.Namespace, side: str) -> Endpoint:
    return Endpoint(
        getattr(args, f"{side}_endpoint"),
        getattr(args, f"{side}_region"),
        getattr(args, f"{side}_access_key_env"),
        getattr(args, f"{side}_secret_key_env"),
    )


def _need(args: argparse.Namespace, name: str) -> str:
    value = getattr(args, name.replace("-", "_"))
    if not value:
        raise UserError(f"--{name} is required here", where=f"--{name}")
    return str(value)


def jobs_from_args(args: argparse.Namespace) -> list[Job]:
    source, target = _endpoint(args, "source"), _endpoint(args, "target")
    if args.stack is not None:
        overrides = parse_overrides(args.target_endpoint_override)
        return stack_jobs(args.stack, args.only, source, target, overrides)
    if args.kind == "dynamodb":
        table = _need(args, "source-table")
        job = TableJob(
            f"dynamodb:{table}", table, args.target_table or table, source, target, args.target_mode
        )
        if args.target_mode == "cql":
            return [
                TableJob(
                    job.address, table, job.target_table, source, target, "cql",
                    _need(args, "target-keyspace"), _need(args, "target-hosts"),
                )
            ]  # fmt: skip
        _need(args, "target-endpoint") if args.emit is None else None
        return [job]
    if args.kind == "s3":
        bucket = _need(args, "source-bucket")
        _need(args, "target-endpoint") if args.emit is None else None
        kind = args.target_kind
        return [
            BucketJob(f"s3:{bucket}", bucket, args.target_bucket or bucket, source, target, kind)
        ]
    raise UserError(
        "say what to copy", where="migrate-data", hint="add `dynamodb`, `s3` or --stack OUT"
    )


def run(args: argparse.Namespace) -> int:
    jobs = jobs_from_args(args)
    if args.dry_run:
        from cloudexit_ci.migrate_data.report import print_plan

        print_plan(jobs, args)
        return 0
    if args.emit:
        from cloudexit_ci.migrate_data.report import print_emit

        print_emit(jobs, args)
        return 0
    from cloudexit_ci.migrate_data import verify
    from cloudexit_ci.migrate_data.runner import run_job

    settings = settings_from_args(args)
    results = [r for r in (run_job(job, settings) for job in jobs) if r is not None]
    if results:
        print(verify.table(results))
        if not all(r.ok for r in results):
            print("verify: MISMATCH between source and target", file=sys.stderr)
            return 1
    return 0


def settings_from_args(args: argparse.Namespace) -> Settings:
    from cloudexit_ci.migrate_data.tablecopy import Settings

    state_dir = Path(_need(args, "state-dir"))
    if args.resume and args.restart:
        raise UserError("--resume and --restart exclude each other", where="--restart")
    return Settings(
        state_dir=state_dir, resume=args.resume, restart=args.restart,
        segments=args.segments, workers=args.workers, batch_size=args.batch_size,
        page_size=args.page_size, max_read_rate=args.max_read_rate, verify=args.verify,
        progress=args.progress, create_target=args.create_target,
        multipart_threshold=args.multipart_threshold, part_size=args.part_size,
        skip_invalid_keys=args.skip_invalid_keys, checkpoint_every=args.checkpoint_every,
    )  # fmt: skip
