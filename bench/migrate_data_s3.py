"""The S3 suite of bench/migrate_data_bench.py (method in its docstring): sequential,
put ceilings, bare copy and ours against one SeaweedFS, interleaved rounds."""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.migrate_data_contenders import median
from cloudexit_ci.migrate_data.clients import Endpoint, client
from cloudexit_ci.migrate_data.plan import BucketJob
from cloudexit_ci.migrate_data.raws3 import RawS3
from cloudexit_ci.migrate_data.runner import Settings, run_job


def s3_suite(url: str, objects: int, rounds: int, tmp: Path) -> dict[str, Any]:
    s3 = client("s3", Endpoint(url), pool=32)
    s3.create_bucket(Bucket="bench-src")
    rng = random.Random(2)
    bodies = [rng.randbytes(rng.randint(1_000, 64_000)) for _ in range(objects)]
    keys = [f"o/{i:05d}" for i in range(objects)]
    contenders = _contenders(url, s3, keys, bodies, tmp)
    contenders["put_ceiling_boto"]("bench-src")  # the source (and a warm-up)
    serial = iter(range(1_000_000))
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for n in range(rounds):
        for name in names[n % len(names) :] + names[: n % len(names)]:
            bucket = f"bench-{name.replace('_', '-')}-{next(serial)}"
            if name != "ours":
                s3.create_bucket(Bucket=bucket)
            runs[name].append(contenders[name](bucket))
            print(f"  s3 round {n + 1}: {name} {objects / runs[name][-1]:,.0f} objects/s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return _s3_report(objects, sum(len(b) for b in bodies), rounds, runs)


def _contenders(
    url: str, s3: Any, keys: list[str], bodies: list[bytes], tmp: Path
) -> dict[str, Callable[[str], float]]:
    """Each contender copies the source bucket into the bucket it is given; seconds."""
    objects = len(keys)
    raw = RawS3(Endpoint(url), pool=32)

    def put_loop(bucket: str) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: s3.put_object(Bucket=bucket, Key=keys[i], Body=bodies[i]),
                          range(objects)))  # fmt: skip
        return time.perf_counter() - started

    def raw_put_loop(bucket: str) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda i: raw.put(bucket, keys[i], bodies[i], {}), range(objects)))
        return time.perf_counter() - started

    def bare_copy(bucket: str) -> float:
        def one(key: str) -> None:
            body, headers = raw.get("bench-src", key)
            raw.put(bucket, key, body, headers)

        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(one, keys))
        return time.perf_counter() - started

    def sequential(bucket: str) -> float:
        started = time.perf_counter()
        for key in keys:
            got = s3.get_object(Bucket="bench-src", Key=key)
            s3.put_object(
                Bucket=bucket, Key=key, Body=got["Body"].read(), ContentType=got["ContentType"]
            )
        return time.perf_counter() - started

    def mine(bucket: str) -> float:
        job = BucketJob("bench", "bench-src", bucket, Endpoint(url), Endpoint(url), "seaweedfs")
        settings = Settings(state_dir=tmp / bucket, progress="none", workers=16)
        started = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            run_job(job, settings, out=devnull)
        took = time.perf_counter() - started
        listed = sum(p.get("KeyCount", 0) for p in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket))  # fmt: skip
        if listed != objects:
            raise RuntimeError(f"{bucket}: {listed} objects, wanted {objects}")
        return took

    return {
        "sequential": sequential, "put_ceiling_raw": raw_put_loop, "put_ceiling_boto": put_loop,
        "bare_copy": bare_copy, "ours": mine,
    }  # fmt: skip


def _s3_report(
    objects: int, nbytes: int, rounds: int, runs: dict[str, list[float]]
) -> dict[str, Any]:
    """Medians and per-round ratios of the S3 suite (seconds per contender)."""
    put = [
        min(a, b) for a, b in zip(runs["put_ceiling_raw"], runs["put_ceiling_boto"], strict=True)
    ]
    vs_seq = [s / o for s, o in zip(runs["sequential"], runs["ours"], strict=True)]
    vs_put = [p / o for p, o in zip(put, runs["ours"], strict=True)]
    put_vs_seq = [s / p for s, p in zip(runs["sequential"], put, strict=True)]
    vs_bare = [b / o for b, o in zip(runs["bare_copy"], runs["ours"], strict=True)]
    bare_vs_seq = [s / b for s, b in zip(runs["sequential"], runs["bare_copy"], strict=True)]
    rate = {name: [objects / t for t in times] for name, times in runs.items()}
    return {
        "objects": objects,
        "payload_mb": round(nbytes / 1e6, 1),
        "rounds": rounds,
        "sequential_objects_s": round(median(rate["sequential"])),
        "put_ceiling_objects_s": round(median([objects / t for t in put])),
        "put_ceiling_raw_objects_s": round(median(rate["put_ceiling_raw"])),
        "put_ceiling_boto_objects_s": round(median(rate["put_ceiling_boto"])),
        "ours_objects_s": round(median(rate["ours"])),
        "ours_vs_sequential": round(median(vs_seq), 2),
        "ours_vs_put_ceiling": round(median(vs_put), 2),
        "put_ceiling_vs_sequential": round(median(put_vs_seq), 2),
        "bare_copy_objects_s": round(median(rate["bare_copy"])),
        "ours_vs_bare_copy": round(median(vs_bare), 2),
        "bare_copy_vs_sequential": round(median(bare_vs_seq), 2),
        "per_round": {
            **{f"{name}_objects_s": [round(r) for r in rates] for name, rates in rate.items()},
            "ours_vs_sequential": [round(v, 2) for v in vs_seq],
            "ours_vs_put_ceiling": [round(v, 2) for v in vs_put],
            "ours_vs_bare_copy": [round(v, 2) for v in vs_bare],
            "bare_copy_vs_sequential": [round(v, 2) for v in bare_vs_seq],
        },
    }
