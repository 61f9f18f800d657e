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
import re
import sys
from pathlib import Path

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.plan import (
    BucketJob,
    Job,
    TableJob,
    parse_overrides,
    stack_jobs,
)

_SIZE = re.compile(r"^(\d+)\s*([kmg]i?b?)?$", re.IGNORECASE)


def parse_size(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 64MB)")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be ≥ 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", choices=("dynamodb", "s3"), help="what to copy")
    stack = parser.add_argument_group("stack-driven")
    stack.add_argument("--stack", type=Path, help="a generated stack: run its manifest's dataPlan")
    stack.add_argument("--only", action="append", default=[], metavar="ADDRESS")
    stack.add_argument(
        "--target-endpoint-override", action="append", default=[], metavar="SERVICE=URL"
    )
    for side in ("source", "target"):
        group = parser.add_argument_group(side)
        group.add_argument(f"--{side}-table")
        group.add_argument(f"--{side}-bucket")
        group.add_argument(f"--{side}-endpoint", help="URL (default: real AWS)")
        group.add_argument(f"--{side}-region")
        group.add_argument(f"--{side}-access-key-env", metavar="ENV")
        group.add_argument(f"--{side}-secret-key-env", metavar="ENV")
    parser.add_argument("--target-mode", choices=("alternator", "cql"), default="alternator")
    parser.add_argument("--target-keyspace")
    parser.add_argument("--target-hosts", help="CQL contact points, comma-separated")
    parser.add_argument("--target-kind", choices=("minio", "seaweedfs", "s3"), default="minio")
    run = parser.add_argument_group("run")
    run.add_argument("--state-dir", type=Path, help="checkpoints live here")
    run.add_argument("--resume", action="store_true", help="continue after a crash")
    run.add_argument("--restart", action="store_true", help="discard the checkpoint")
    run.add_argument("--segments", type=_positive, default=4, help="parallel scan segments")
    run.add_argument("--workers", type=_positive, default=16, help="writer / copier threads")
    run.add_argument("--batch-size", type=_positive, default=25, help="items per BatchWriteItem")
    run.add_argument("--page-size", type=_positive, default=1000, help="items per scan page")
    run.add_argument("--max-read-rate", type=float, default=0.0, help="RCU/s cap on the source")
    run.add_argument(
        "--checkpoint-every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="DynamoDB: rewrite the checkpoint at most this often (0: after every page)",
    )
    run.add_argument("--verify", choices=("count", "sample", "full"))
    run.add_argument("--progress", choices=("auto", "tty", "plain", "none"), default="auto")
    run.add_argument("--no-create-target", dest="create_target", action="store_false")
    run.add_argument("--multipart-threshold", type=parse_size, default=64 * 1024**2)
    run.add_argument("--part-size", type=parse_size, default=16 * 1024**2)
    run.add_argument("--skip-invalid-keys", action="store_true")
    run.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    run.add_argument("--emit", choices=("spark", "rclone"), help="print the scale-out job")
    run.add_argument("--emit-dir", type=Path, help="where --emit spark writes config.yaml")
    run.add_argument("--savepoints", default="/app/savepoints", help="ScyllaDB Migrator savepoints")


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


def settings_from_args(args: argparse.Namespace):  # type: ignore[no-untyped-def]
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
