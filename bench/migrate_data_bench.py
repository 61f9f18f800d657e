"""Benchmark `migrate-data` against DynamoDB Local and SeaweedFS (one run).

    .venv/bin/python -m bench.migrate_data_bench [--items 20000] [--objects 2000] [--rounds 3]

DynamoDB method (what a real migration looks like: AWS → Alternator).
  Two DynamoDB Local processes: SOURCE holds the table to migrate, TARGET receives.
  The machine has 2 cores, so both servers would otherwise fight for the same CPU;
  to give the target the same capacity in every contender, the TARGET JVM is
  pinned to CPU 1 (``taskset -a``, all its threads), and the SOURCE JVM and this
  benchmark process (the clients, including ours, which runs in-process) to CPU 0.
  Other engineers' jobs may still run unpinned on both cores: every round runs
  every contender back to back (order rotated per round) and we report medians
  of per-round ratios.

  Contenders, each writing the same N items into a fresh table on TARGET:
    spec         : the spec's script: scan SOURCE into memory (boto3), then one
                   awaited PutItem per item into TARGET.
    ceiling_raw  : what the target allows: 16 threads (ours' --workers), BatchWriteItem
                   of 25 over items pre-generated in memory (no reading at all), sent
                   as raw signed JSON (the cheapest client we have).
    ceiling_boto : the same loop through boto3 with 8 threads (the previous definition).
    ours         : cloudexit-ci's whole job with the CLI's defaults, in-process: client
                   setup, describe, parallel Scan of SOURCE (4 segments, adaptive
                   Limit, see below), BatchWriteItem into TARGET (16 writers), atomic
                   (fsynced, renamed) checkpoints at most once a second and at the end
                   of each segment. Timed from start to the last checkpoint; the table
                   count is checked after the clock stops.
    scan_ceiling : what the source allows: a raw parallel Scan of SOURCE (4 segments,
                   items dropped). Not a copy; it shows when reading, not the target,
                   bounds ours (ours_vs_min_scan_write_ceiling uses the lower one).
    copy_ceiling : a bare raw parallel copy SOURCE → TARGET (4 scan threads, 16 raw
                   writers, no checkpoints, unbounded memory): the same CPU layout as
                   ours, so ours/copy_ceiling is ours' own overhead.
  Scan paging (ours, scan_ceiling, copy_ceiling and the count check): the first page
  asks for Limit 100; a page cut short by the 1 MB cap sets the next Limit to what
  fitted + 25 %, a full page doubles it (up to 1000). DynamoDB Local reads Limit
  items per page and drops those past 1 MB: with Limit 1000 on the mixed items its
  JVM used ~4x the CPU (10 s instead of 2.4 s per 20,000 items), which is what
  bounded the mixed copy before (and the count check without a Limit was quadratic).
  ceiling = the faster ceiling of the round; ours/ceiling, ours/spec and
  ceiling/spec are per-round ratios, medians reported (plus every round).
  Target tables are deleted after each measurement; each suite (small, mixed,
  memory) gets fresh JVMs with -Xmx10g: DynamoDB Local keeps deleted tables'
  memory, and in a first run the target JVM (default heap, 6 GB) spent the
  mixed suite in garbage collection.
  One unmeasured warm-up of the ceiling and of ours first (the JVMs JIT-compile).

Memory: peak RSS of the CLI process (VmHWM) for N/10 and N items (same two servers).
S3 (SeaweedFS ``weed mini``, one process, unpinned): per round, interleaved,
  sequential: get+put of every object, one at a time (boto3);
  put ceiling: 16 threads putting the pre-generated bodies (what the server takes),
               raw signed PUTs (the same raw client as ours) and boto3
               put_object, the faster of the round counts;
  bare copy: 16 threads, each a raw GET and PUT of one object (kept headers passed
             on) through the same raw client as ours, keys known in advance:
             no listing, no target listing, no checkpoints, no progress, no retries;
             ours/bare copy is ours' own overhead;
  ours: cloudexit-ci's bucket copy (listing, target listing, parallel copy, checkpoints).
Prints markdown tables and writes bench/results/migrate_data.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.migrate_data_contenders import (
    RAW_THREADS,
    THREADS,
    copy_loop,
    count_items,
    create,
    make_items,
    median,
    ours,
    raw_batch_loop,
    scan_loop,
    spec_copy,
)
from bench.migrate_data_s3 import s3_suite
from cloudexit_ci.migrate_data.clients import Endpoint, client
from cloudexit_ci.migrate_data.rawddb import RawDynamo
from tests import servers

ROOT = Path(__file__).resolve().parents[1]

os.environ["AWS_ACCESS_KEY_ID"] = "test"
os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
CPUS = os.cpu_count() or 1


def jvm_pid(url: str) -> int:
    """The DynamoDB Local JVM listening on ``url``'s port (servers.py yields only the URL)."""
    port = url.rsplit(":", 1)[1].encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            if argv and argv[0].endswith(b"java") and b"-port" in argv and port in argv:
                return int(entry)
    raise RuntimeError(f"no DynamoDB Local JVM found for {url}")


def pin(pid: int, cpu: int) -> None:
    subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(pid)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


@contextlib.contextmanager
def dynamodb_pair() -> Iterator[tuple[str, str]]:
    """SOURCE and TARGET DynamoDB Local; target on CPU 1, source and us on CPU 0."""
    mask = os.sched_getaffinity(0)
    os.environ["JAVA_TOOL_OPTIONS"] = "-Xmx10g"  # the default (1/4 of RAM) GC-thrashes on mixed
    with servers.dynamodb_local() as src, servers.dynamodb_local() as dst:
        if CPUS >= 2:
            pin(jvm_pid(dst), 1)
            pin(jvm_pid(src), 0)
            os.sched_setaffinity(0, {0})
        try:
            yield src, dst
        finally:
            os.sched_setaffinity(0, mask)


def dynamodb_suite(
    src_url: str, dst_url: str, count: int, mixed: bool, rounds: int, tmp: Path
) -> dict[str, Any]:
    tag = "mixed" if mixed else "small"
    src_boto = client("dynamodb", Endpoint(src_url), pool=THREADS + 8)
    dst_boto = client("dynamodb", Endpoint(dst_url), pool=THREADS + 8)
    dst_raw = RawDynamo(Endpoint(dst_url), pool=RAW_THREADS + 8)
    items = make_items(count, mixed)
    nbytes = sum(len(i["body"]["S"]) for i in items)
    source = f"src-{tag}"
    create(src_boto, source)
    raw_batch_loop(RawDynamo(Endpoint(src_url), pool=THREADS + 8), source, items)
    serial = iter(range(1_000_000))

    def fresh(name: str) -> str:
        table = f"{name}-{tag}-{next(serial)}"
        create(dst_boto, table)
        return table

    def done(table: str, check: bool = False) -> None:
        if check and (found := count_items(dst_boto, table)) != count:
            raise RuntimeError(f"{table}: {found} items, wanted {count}")
        dst_boto.delete_table(TableName=table)

    src_raw = RawDynamo(Endpoint(src_url), pool=8)

    def measure(name: str) -> float:
        if name == "scan_ceiling":
            return scan_loop(src_raw, source)
        table = fresh(name)
        if name == "ceiling_raw":
            took = raw_batch_loop(dst_raw, table, items, RAW_THREADS)
        elif name == "ceiling_boto":
            took = raw_batch_loop(dst_boto, table, items)
        elif name == "copy_ceiling":
            took = copy_loop(src_raw, dst_raw, source, table)
        elif name == "ours":
            took = ours(src_url, dst_url, source, table, tmp / f"state-{table}")
        else:
            took = spec_copy(src_boto, dst_boto, source, table)
        done(table, check=True)
        return took

    measure("ceiling_raw")  # warm-up: both JVMs JIT-compile their hot paths
    measure("ours")
    names = ["spec", "ceiling_raw", "ceiling_boto", "ours", "scan_ceiling", "copy_ceiling"]
    runs: dict[str, list[float]] = {name: [] for name in names}
    for n in range(rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            runs[name].append(measure(name))
            print(f"  {tag} round {n + 1}: {name} {count / runs[name][-1]:,.0f} items/s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return _dynamodb_report(count, nbytes, rounds, runs)


def _dynamodb_report(
    count: int, nbytes: int, rounds: int, runs: dict[str, list[float]]
) -> dict[str, Any]:
    """Medians and per-round ratios of one DynamoDB suite (seconds per contender)."""
    ceiling = [min(a, b) for a, b in zip(runs["ceiling_raw"], runs["ceiling_boto"], strict=True)]
    per_round = {
        "ours_vs_ceiling": [c / o for c, o in zip(ceiling, runs["ours"], strict=True)],
        "ours_vs_spec": [s / o for s, o in zip(runs["spec"], runs["ours"], strict=True)],
        "ceiling_vs_spec": [s / c for s, c in zip(runs["spec"], ceiling, strict=True)],
        "ours_vs_copy_ceiling": [
            c / o for c, o in zip(runs["copy_ceiling"], runs["ours"], strict=True)
        ],
        "ours_vs_min_scan_write_ceiling": [
            max(c, r) / o
            for c, r, o in zip(ceiling, runs["scan_ceiling"], runs["ours"], strict=True)
        ],
    }
    rate = {name: [count / t for t in times] for name, times in runs.items()}
    return {
        "items": count,
        "payload_mb": round(nbytes / 1e6, 1),
        "rounds": rounds,
        "spec_items_s": round(median(rate["spec"])),
        "ceiling_raw_items_s": round(median(rate["ceiling_raw"])),
        "ceiling_boto_items_s": round(median(rate["ceiling_boto"])),
        "ceiling_items_s": round(median([count / t for t in ceiling])),
        "scan_ceiling_items_s": round(median(rate["scan_ceiling"])),
        "copy_ceiling_items_s": round(median(rate["copy_ceiling"])),
        "ours_items_s": round(median(rate["ours"])),
        **{name: round(median(values), 2) for name, values in per_round.items()},
        "per_round": {
            **{f"{name}_items_s": [round(r) for r in rates] for name, rates in rate.items()},
            **{name: [round(v, 2) for v in values] for name, values in per_round.items()},
        },
    }


PEAK = (
    "import sys; from cloudexit_ci.main import main; code = main(sys.argv[1:]); "
    "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
    "print(int(hwm.split()[1]) / 1024, file=sys.stderr); sys.exit(code)"
)


def peak_rss_mb(args: list[str]) -> float:
    """VmHWM of the CLI process itself (ru_maxrss would include the forked parent's pages)."""
    cmd = [sys.executable, "-c", PEAK, "migrate-data", *args, "--progress", "none"]
    done = subprocess.run(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {done.stderr}")
    return float(done.stderr.strip().splitlines()[-1])


def rss_suite(src_url: str, dst_url: str, count: int, tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in (count // 10, count):
        create(client("dynamodb", Endpoint(src_url), pool=4), f"rss-src-{n}")
        raw_batch_loop(
            RawDynamo(Endpoint(src_url), pool=THREADS + 8),
            f"rss-src-{n}",
            make_items(n, False, seed=n),
        )
        args = [
            "dynamodb", "--source-table", f"rss-src-{n}", "--source-endpoint", src_url,
            "--target-table", f"rss-dst-{n}", "--target-endpoint", dst_url,
            "--state-dir", str(tmp / f"rss-{n}"),
        ]  # fmt: skip
        out[f"peak_rss_mb_{n}"] = round(peak_rss_mb(args), 1)
    out["rss_growth_mb"] = round(out[f"peak_rss_mb_{count}"] - out[f"peak_rss_mb_{count // 10}"], 1)
    return out


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| DynamoDB Local | items | MB | spec items/s | ceiling items/s (raw / boto3) "
        "| ours items/s | ours/ceiling | ours/spec | ceiling/spec | scan ceiling items/s "
        "| ours/min(scan, write ceiling) | bare copy items/s | ours/bare copy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tag in ("small", "mixed"):
        r = results[tag]
        lines.append(
            f"| {tag} | {r['items']:,} | {r['payload_mb']} | {r['spec_items_s']:,} | "
            f"{r['ceiling_items_s']:,} ({r['ceiling_raw_items_s']:,} / "
            f"{r['ceiling_boto_items_s']:,}) | {r['ours_items_s']:,} | {r['ours_vs_ceiling']} | "
            f"{r['ours_vs_spec']} | {r['ceiling_vs_spec']} | {r['scan_ceiling_items_s']:,} | "
            f"{r['ours_vs_min_scan_write_ceiling']} | {r['copy_ceiling_items_s']:,} | "
            f"{r['ours_vs_copy_ceiling']} |"
        )
    m, s = results["memory"], results["s3"]
    lines += ["", "| peak RSS | MB |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in m.items()]
    lines += [
        "",
        "| S3 (SeaweedFS) | objects | sequential obj/s | put ceiling obj/s | ours obj/s "
        "| ours/sequential | ours/put ceiling | bare copy obj/s | ours/bare copy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| copy | {s['objects']:,} | {s['sequential_objects_s']:,} | "
        f"{s['put_ceiling_objects_s']:,} | {s['ours_objects_s']:,} "
        f"| {s['ours_vs_sequential']} | {s['ours_vs_put_ceiling']} "
        f"| {s.get('bare_copy_objects_s', '-')} | {s.get('ours_vs_bare_copy', '-')} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--objects", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("small", "mixed", "memory", "s3"), action="append")
    args = parser.parse_args()
    wanted = args.only or ["small", "mixed", "memory", "s3"]
    results: dict[str, Any] = {
        "machine": {"cpus": CPUS, "loadavg_at_start": list(os.getloadavg())},
        "method": (__doc__ or "").split("\n\n", 2)[2].strip(),
    }
    out = ROOT / "bench" / "results" / "migrate_data.json"
    if out.exists():  # a partial run (--only) keeps the other sections
        results = {**json.loads(out.read_text()), **results}
    for tag in ("small", "mixed", "memory"):  # fresh JVMs each: deleted tables stay in RAM
        if tag not in wanted:
            continue
        with tempfile.TemporaryDirectory() as tmp_name, dynamodb_pair() as (src, dst):
            tmp = Path(tmp_name)
            if tag == "memory":
                results[tag] = rss_suite(src, dst, args.items, tmp)
            else:
                mixed = tag == "mixed"
                results[tag] = dynamodb_suite(src, dst, args.items, mixed, args.rounds, tmp)
            print(tag, results[tag], flush=True)
    if "s3" in wanted:
        with tempfile.TemporaryDirectory() as tmp_name, servers.seaweedfs() as url:
            results["s3"] = s3_suite(url, args.objects, args.rounds, Path(tmp_name))
            print("s3", results["s3"], flush=True)
    results["machine"]["loadavg_at_end"] = list(os.getloadavg())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    if not args.only:
        print(markdown(results))


if __name__ == "__main__":
    main()
