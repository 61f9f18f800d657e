"""--dry-run (the plan) and --emit (scale-out commands) output."""

from __future__ import annotations

import argparse
from pathlib import Path

from cloudexit_ci.migrate_data import emit
from cloudexit_ci.migrate_data.plan import BucketJob, Job, TableJob


def print_plan(jobs: list[Job], args: argparse.Namespace) -> None:
    print(f"plan: {len(jobs)} job(s) (dry run, nothing copied)")
    for job in jobs:
        print(f"- {job.describe()}")
        if isinstance(job, TableJob):
            print(
                f"    parallel scan: {args.segments} segments, {args.workers} writers, "
                f"batches of {args.batch_size}, pages of {args.page_size}"
                + (f", read cap {args.max_read_rate:g} RCU/s" if args.max_read_rate else "")
            )
        else:
            print(
                f"    {args.workers} parallel copies, multipart above "
                f"{args.multipart_threshold:,} bytes, target kind {job.target_kind}"
            )
    if args.state_dir:
        print(f"checkpoints: {args.state_dir}" + (" (resuming)" if args.resume else ""))
    if args.verify:
        print(f"verify: {args.verify}")


def print_emit(jobs: list[Job], args: argparse.Namespace) -> None:
    for job in jobs:
        if args.emit == "spark" and isinstance(job, TableJob) and job.mode == "alternator":
            text = emit.spark_config(job, args.segments, args.savepoints, 0.5)
            name = f"scylla-migrator-{job.source_table}.yaml"
            if args.emit_dir:
                path = Path(args.emit_dir) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                print(f"# wrote {path}")
            else:
                print(f"# {name}\n{text}")
            print(emit.spark_submit(f"/app/config/{name}"))
        elif args.emit == "rclone" and isinstance(job, BucketJob):
            print(f"# {job.address}")
            print("\n".join([*emit.rclone_env(job), *emit.rclone_commands(job, args.workers)]))
        else:
            print(f"# {job.address}: --emit {args.emit} does not apply to this job")
