"""Benchmark `migrate-data` against DynamoDB Local and SeaweedFS (one run).

    .venv/bin/python bench/migrate_data_bench.py [--items 20000] [--objects 2000]

DynamoDB, for small items and for mixed items (up to 300 KB):
  spec    : the spec's approach, scan everything, then one awaited PutItem per item
  ceiling : a raw parallel BatchWriteItem loop over pre-built items (what the target allows)
  ours    : cloudexit-ci's copy (parallel scan + batched parallel writes + checkpoints)
Memory: peak RSS of the CLI process for N/10 and N items.
S3: a sequential get+put copy of --objects objects versus ours.
Prints a markdown table and writes bench/results/migrate_data.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudexit_ci.migrate_data.clients import Endpoint, client  # noqa: E402
from cloudexit_ci.migrate_data.plan import BucketJob, TableJob  # noqa: E402
from cloudexit_ci.migrate_data.runner import Settings, run_job  # noqa: E402
from tests import servers  # noqa: E402

os.environ["AWS_ACCESS_KEY_ID"] = "test"
os.environ["AWS_SECRET_ACCESS_KEY"] = "test"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
THREADS = 8


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


def raw_batch_loop(ddb: Any, table: str, items: list[dict[str, Any]]) -> float:
    """The ceiling: THREADS threads, each BatchWriteItem of 25, UnprocessedItems retried."""

    def write(chunk: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": i}} for i in chunk]}
        while request:
            request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    create(ddb, table)
    chunks = [items[i : i + 25] for i in range(0, len(items), 25)]
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, chunks))
    return time.perf_counter() - started


def spec_copy(ddb: Any, source: str, target: str) -> float:
    """The spec's script: scan all into memory, then put one item at a time, awaited."""
    create(ddb, target)
    started = time.perf_counter()
    everything, start = [], None
    while True:
        page = ddb.scan(TableName=source, **({"ExclusiveStartKey": start} if start else {}))
        everything.extend(page["Items"])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    for item in everything:
        ddb.put_item(TableName=target, Item=item)
    return time.perf_counter() - started


def ours(url: str, source: str, target: str, state: Path) -> float:
    endpoint = Endpoint(url)
    create(client("dynamodb", endpoint, pool=4), target)  # as the ceiling's table: made before
    job = TableJob("bench", source, target, endpoint, endpoint)
    settings = Settings(state_dir=state, progress="none", workers=THREADS)
    started = time.perf_counter()
    run_job(job, settings, out=open(os.devnull, "w"))  # noqa: SIM115
    return time.perf_counter() - started


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


def dynamodb_suite(url: str, count: int, mixed: bool, tmp: Path) -> dict[str, Any]:
    ddb = client("dynamodb", Endpoint(url), pool=THREADS + 8)
    tag = "mixed" if mixed else "small"
    items = make_items(count, mixed)
    nbytes = sum(len(i["body"]["S"]) for i in items)
    raw_batch_loop(ddb, f"src-{tag}", items)
    ceiling = raw_batch_loop(ddb, f"ceiling-{tag}", items)
    del items
    ours_s = ours(url, f"src-{tag}", f"ours-{tag}", tmp / f"state-{tag}")
    spec_s = spec_copy(ddb, f"src-{tag}", f"spec-{tag}")
    return {
        "items": count,
        "payload_mb": round(nbytes / 1e6, 1),
        "spec_items_s": round(count / spec_s),
        "ceiling_items_s": round(count / ceiling),
        "ours_items_s": round(count / ours_s),
        "ours_vs_ceiling": round(ceiling / ours_s, 2),
        "ours_vs_spec": round(spec_s / ours_s, 2),
        "ceiling_vs_spec": round(spec_s / ceiling, 2),
    }


def rss_suite(url: str, count: int, tmp: Path) -> dict[str, Any]:
    ddb = client("dynamodb", Endpoint(url), pool=THREADS + 8)
    out: dict[str, Any] = {}
    for n in (count // 10, count):
        raw_batch_loop(ddb, f"rss-src-{n}", make_items(n, False, seed=n))
        args = [
            "dynamodb", "--source-table", f"rss-src-{n}", "--source-endpoint", url,
            "--target-table", f"rss-dst-{n}", "--target-endpoint", url,
            "--state-dir", str(tmp / f"rss-{n}"),
        ]  # fmt: skip
        out[f"peak_rss_mb_{n}"] = round(peak_rss_mb(args), 1)
    out["rss_growth_mb"] = round(out[f"peak_rss_mb_{count}"] - out[f"peak_rss_mb_{count // 10}"], 1)
    return out


def s3_suite(url: str, objects: int, tmp: Path) -> dict[str, Any]:
    s3 = client("s3", Endpoint(url), pool=32)
    s3.create_bucket(Bucket="bench-src")
    rng = random.Random(2)
    bodies = [rng.randbytes(rng.randint(1_000, 64_000)) for _ in range(objects)]
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda i: s3.put_object(Bucket="bench-src", Key=f"o/{i:05d}", Body=bodies[i]),
                range(objects),
            )
        )
    s3.create_bucket(Bucket="bench-seq")
    started = time.perf_counter()
    for i in range(objects):
        got = s3.get_object(Bucket="bench-src", Key=f"o/{i:05d}")
        s3.put_object(
            Bucket="bench-seq",
            Key=f"o/{i:05d}",
            Body=got["Body"].read(),
            ContentType=got["ContentType"],
        )
    seq = time.perf_counter() - started
    job = BucketJob("bench", "bench-src", "bench-ours", Endpoint(url), Endpoint(url), "seaweedfs")
    settings = Settings(state_dir=tmp / "s3", progress="none", workers=16)
    started = time.perf_counter()
    run_job(job, settings, out=open(os.devnull, "w"))  # noqa: SIM115
    mine = time.perf_counter() - started
    return {
        "objects": objects,
        "sequential_objects_s": round(objects / seq),
        "ours_objects_s": round(objects / mine),
        "ours_vs_sequential": round(seq / mine, 2),
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| DynamoDB Local | items | MB | spec items/s | ceiling items/s | ours items/s "
        "| ours/ceiling | ours/spec | ceiling/spec |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tag in ("small", "mixed"):
        r = results[tag]
        lines.append(
            f"| {tag} | {r['items']:,} | {r['payload_mb']} | {r['spec_items_s']:,} | "
            f"{r['ceiling_items_s']:,} | {r['ours_items_s']:,} | {r['ours_vs_ceiling']} | "
            f"{r['ours_vs_spec']} | {r['ceiling_vs_spec']} |"
        )
    m, s = results["memory"], results["s3"]
    lines += ["", "| peak RSS | MB |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in m.items()]
    lines += [
        "",
        "| S3 (SeaweedFS) | objects | sequential obj/s | ours obj/s | ours/sequential |",
        "|---|---:|---:|---:|---:|",
        f"| copy | {s['objects']:,} | {s['sequential_objects_s']:,} | {s['ours_objects_s']:,} "
        f"| {s['ours_vs_sequential']} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--objects", type=int, default=2_000)
    parser.add_argument("--only", choices=("small", "mixed", "memory", "s3"), action="append")
    args = parser.parse_args()
    wanted = args.only or ["small", "mixed", "memory", "s3"]
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmp_name, servers.dynamodb_local() as url:
        tmp = Path(tmp_name)
        for tag in ("small", "mixed"):
            if tag in wanted:
                results[tag] = dynamodb_suite(url, args.items, tag == "mixed", tmp)
                print(tag, results[tag], flush=True)
        if "memory" in wanted:
            results["memory"] = rss_suite(url, args.items, tmp)
            print("memory", results["memory"], flush=True)
    if "s3" in wanted:
        with tempfile.TemporaryDirectory() as tmp_name, servers.seaweedfs() as url:
            results["s3"] = s3_suite(url, args.objects, Path(tmp_name))
            print("s3", results["s3"], flush=True)
    out = ROOT / "bench" / "results" / "migrate_data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    if all(k in results for k in ("small", "mixed", "memory", "s3")):
        print(markdown(results))


if __name__ == "__main__":
    main()
