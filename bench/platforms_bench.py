"""What rendering for an orchestrator costs over Compose: `migrate --platform swarm` and
`--platform kubernetes` vs `--platform compose` on the three examples, whole processes
(cold caches: a fresh cache directory each run), interleaved rounds, median of the
per-round ratios (these machines are noisy). Target: each platform <= 1.5x Compose.

Run: `.venv/bin/python -m bench.platforms_bench [--rounds N]` (writes
bench/results/platforms.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.check_bench import run

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = ("serverless-items", "http-api-uploads", "full-estate")
PLATFORMS = ("compose", "swarm", "kubernetes")
TARGET = 1.5


def _round(work: Path, round_no: int) -> dict[str, float]:
    """One round: every platform once over the three examples (cold cache each run)."""
    times = {}
    for platform in PLATFORMS:
        total = 0.0
        for example in EXAMPLES:
            out = work / f"{platform}-{example}-{round_no}"
            env = {**os.environ, "XDG_CACHE_HOME": str(work / f"cache-{out.name}")}
            cmd = [sys.executable, "-m", "cloudexit_ci", "migrate",
                   str(REPO / "examples" / example / "terraform"), "--output", str(out),
                   "--platform", platform]  # fmt: skip
            total += run(cmd, env)
        times[platform] = total
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args(argv).rounds
    with tempfile.TemporaryDirectory(prefix="cloudexit-bench-platforms-") as tmp:
        _round(Path(tmp), -1)  # warm the interpreter's file cache
        start = time.perf_counter()
        per_round = [_round(Path(tmp), n) for n in range(rounds)]
        elapsed = time.perf_counter() - start
    medians = {p: statistics.median(r[p] for r in per_round) for p in PLATFORMS}
    ratios = {
        p: statistics.median(r[p] / r["compose"] for r in per_round)
        for p in PLATFORMS
        if p != "compose"
    }
    ok = all(r <= TARGET for r in ratios.values())
    result = {
        "rounds": rounds,
        "examples": list(EXAMPLES),
        "median_seconds_three_examples": {p: round(t, 3) for p, t in medians.items()},
        "ratio_to_compose": {p: round(r, 3) for p, r in ratios.items()},
        "target": TARGET,
        "ok": ok,
        "wall_seconds": round(elapsed, 1),
    }
    out = REPO / "bench" / "results" / "platforms.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| platform | median s (3 examples, cold) | ratio to compose | target |")
    print("|---|---|---|---|")
    for p in PLATFORMS:
        ratio = "1.00" if p == "compose" else f"{ratios[p]:.2f}"
        print(f"| {p} | {medians[p]:.2f} | {ratio} | {'—' if p == 'compose' else f'≤ {TARGET}'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
