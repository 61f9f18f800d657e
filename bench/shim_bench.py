"""Benchmark the Lambda-over-HTTP shims against bare servers on the same HTTP layer.

    .venv/bin/python -m bench.shim_bench [--duration 3] [--rounds 5] [--connections 10]
        [--no-autocannon] [--no-serverless-offline] [--only NAME]

Load generator: wrk (C, one thread: `-t1 -c10`), loopback, after a 1 s warm-up
per target. autocannon (Node, tests/node/node_modules) runs after it on every
target as a cross-check; it needs about one core itself on this 2-core
machine, so its figures understate fast servers. Every target is started
fresh and measured once per round; rounds are interleaved (a busy moment of
the shared machine hits every target) and the medians kept. Ratios are the
median of the per-round ratios (min-max shown), so a noisy round moves them
less. Besides req/s each target's own CPU time per request is read from
/proc/<pid>/stat (user+system, all threads): it does not depend on how much
CPU the other engineers' jobs leave us, so ``cpu_ratio`` (bare CPU / shim CPU
per request) is the steadiest measure of the shim's cost.

Targets: a bare node:http server that requires the same handler module as the
Node shim and awaits it inline (its statusCode, headers and body written as
they are: no event, no context, no log) vs the Node shim; four bare Python
servers running the handler inline vs the Python shim: the stdlib
ThreadingHTTPServer (Python's own HTTP server, the twin of node:http), the
shim's own HTTP layer (its parser, keep-alive rule and writer, one thread per
connection: the shim minus the Lambda contract), a minimal thread-per-connection
server (readline parsing, fixed status line) and
single-thread asyncio streams; and serverless-offline
(npm serverless@3 + serverless-offline@13, `serverless offline start`, same
handler, one http event) as the usual local-Lambda baseline. serverless-offline
is installed once into $CLOUDEXIT_SLS_OFFLINE_DIR (default
/tmp/cloudexit-sls-offline) with `npm install`; if that or its start fails
(no network, no npm) the row is skipped and the reason recorded in the JSON.
It needs no AWS credentials or login (Framework v3).

Latency: "seq p50" is one keep-alive connection with requests in series
(µs resolution), the acceptance's "added p50"; wrk's p50/p99 are under load.
Prints markdown tables and writes bench/results/shim.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.shim_targets import targets
from tests.servers import free_port, wait_http

REPO = Path(__file__).resolve().parents[1]

AUTOCANNON = REPO / "tests" / "node" / "node_modules" / ".bin" / "autocannon"
WRK = shutil.which("wrk")
# wrk prints this JSON line at the end (latency in µs).
WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p99_us":%d}\\n', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""
CLK_TCK = os.sysconf("SC_CLK_TCK")
RESULTS = REPO / "bench" / "results" / "shim.json"
PATH = "/items/42?x=1"


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str], cwd: Path | None) -> Iterator[tuple[str, int]]:
    port, port2 = free_port(), free_port()
    cmd = [c.replace("{port}", str(port)).replace("{port2}", str(port2)) for c in cmd]
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,  # the shims' access log is part of their cost,
        stderr=subprocess.DEVNULL,  # but not the terminal's
        start_new_session=True,  # its own process group, ended as a whole below
    )
    url = f"http://127.0.0.1:{port}{PATH}"
    try:
        wait_http(url, timeout=90)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wrk(url: str, connections: int, duration: int, lua: Path) -> dict[str, Any]:
    cmd = [str(WRK), "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(lua), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    return dict(json.loads(line[len("WRKJSON ") :]))


def autocannon(url: str, connections: int, duration: int) -> dict[str, Any]:
    cmd = [str(AUTOCANNON), "-j", "-c", str(connections), "-d", str(duration), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def sequential_p50(url: str, count: int = 3000, budget_s: float = 3.0) -> float:
    """p50 of one keep-alive connection, requests in series, with µs resolution
    (at most ``count`` requests or ``budget_s`` seconds, at least 50)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    target = f"{parts.path}?{parts.query}"
    samples: list[float] = []
    stop = time.perf_counter() + budget_s
    while len(samples) < count and (len(samples) < 50 or time.perf_counter() < stop):
        started = time.perf_counter()
        conn.request("GET", target)
        conn.getresponse().read()
        samples.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(samples) * 1000


def measure(url: str, pid: int, args: argparse.Namespace, lua: Path) -> dict[str, float]:
    wrk(url, args.connections, 1, lua)  # warm-up (JIT, caches, keep-alive pools)
    cpu_before = cpu_seconds(pid)
    data = wrk(url, args.connections, args.duration, lua)
    cpu = cpu_seconds(pid) - cpu_before
    requests = max(1, data["requests"])
    row = {
        "rps": round(requests / (data["duration_us"] / 1e6), 1),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "errors": float(data["errors"] + data["non2xx"]),
        "cpu_us_per_req": round(cpu * 1e6 / requests, 2),
        "seq_p50_ms": round(sequential_p50(url), 4),
    }
    if args.autocannon:
        ac = autocannon(url, args.connections, args.duration)
        row["autocannon_rps"] = float(ac["requests"]["average"])
        row["errors"] += float(ac["errors"] + ac["non2xx"])
    return row


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 4) for key in runs[0]}


def compare(
    rounds: dict[str, list[dict[str, float]]], shim: str, bare: str
) -> dict[str, Any] | None:
    """Per-round ratios (both measured in the same round), then their median."""
    if shim not in rounds or bare not in rounds:
        return None
    pairs = list(zip(rounds[shim], rounds[bare], strict=True))

    def ratio(key: str, invert: bool = False) -> list[float]:
        return [(b[key] / s[key]) if invert else (s[key] / b[key]) for s, b in pairs]

    def summary(values: list[float]) -> dict[str, float]:
        return {
            "median": round(statistics.median(values), 3),
            "min": round(min(values), 3),
            "max": round(max(values), 3),
        }

    out: dict[str, Any] = {
        "shim": shim,
        "bare": bare,
        "rps_ratio": summary(ratio("rps")),
        "cpu_ratio": summary(ratio("cpu_us_per_req", invert=True)),
        "added_seq_p50_ms": round(
            statistics.median(s["seq_p50_ms"] - b["seq_p50_ms"] for s, b in pairs), 3
        ),
        "added_load_p50_ms": round(
            statistics.median(s["p50_ms"] - b["p50_ms"] for s, b in pairs), 3
        ),
    }
    if "autocannon_rps" in pairs[0][0]:
        out["autocannon_rps_ratio"] = summary(ratio("autocannon_rps"))
    out["meets_rps"] = out["rps_ratio"]["median"] >= 0.7
    out["meets_p50"] = out["added_seq_p50_ms"] < 1.0
    return out


COMPARISONS = [
    ("node shim", "node bare (node:http)"),
    ("node shim", "serverless-offline"),
    ("python shim", "python bare (ThreadingHTTPServer)"),
    ("python shim", "python bare (shim's HTTP layer)"),
    ("python shim", "python bare (thread per connection)"),
    ("python shim", "python bare (asyncio streams)"),
]


def table(
    results: dict[str, dict[str, float]], ratios: list[dict[str, Any]], skipped: dict[str, str]
) -> str:
    head = "| target | req/s (wrk) | req/s (autocannon) | CPU µs/req | seq p50 ms | wrk p50 ms "
    head += "| wrk p99 ms | errors |"
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        ac = f"{r['autocannon_rps']:.0f}" if "autocannon_rps" in r else "-"
        cells = [f"{r['rps']:.0f}", ac, f"{r['cpu_us_per_req']:.1f}", f"{r['seq_p50_ms']:.3f}"]
        cells += [f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.3f}", f"{r['errors']:.0f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, why in skipped.items():
        lines.append(f"| {name} | skipped: {why} | | | | | | |")

    def fmt(x: dict[str, float]) -> str:
        return f"{x['median']} ({x['min']}-{x['max']})"

    lines += [
        "",
        "| shim vs baseline | req/s ratio, wrk (≥ 0.7) | req/s ratio, autocannon "
        "| CPU/req ratio (bare/shim) | added seq p50 ms (< 1) | met |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for c in ratios:
        ac = fmt(c["autocannon_rps_ratio"]) if "autocannon_rps_ratio" in c else "-"
        met = (
            "yes" if c["meets_rps"] and c["meets_p50"] else ("p50 only" if c["meets_p50"] else "no")
        )
        cells = [fmt(c["rps_ratio"]), ac, fmt(c["cpu_ratio"]), str(c["added_seq_p50_ms"]), met]
        lines.append(f"| {c['shim']} vs {c['bare']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _meta(args: argparse.Namespace, started: float, load_before: float) -> dict[str, Any]:
    """How the run was made: tool, load, versions (BENCHMARKS.md quotes them)."""
    wrk = subprocess.run([str(WRK), "-v"], capture_output=True, text=True).stdout
    return {
        "tool": "wrk -t1 (autocannon cross-check)" if args.autocannon else "wrk -t1",
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "wall_s": round(time.monotonic() - started),
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "node": subprocess.run(["node", "-v"], capture_output=True, text=True).stdout.strip(),
        "python": platform.python_version(),
        "wrk": wrk.splitlines()[0],
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians kept")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--no-autocannon", dest="autocannon", action="store_false")
    parser.add_argument("--no-serverless-offline", dest="sls", action="store_false")
    parser.add_argument("--only", help="run the targets whose name contains this (no JSON written)")
    args = parser.parse_args(argv)
    if WRK is None:
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    rounds: dict[str, list[dict[str, float]]] = {}
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        lua = Path(tmp) / "report.lua"
        lua.write_text(WRK_LUA)
        all_targets, skipped = targets(
            Path(tmp), with_sls=args.sls and (not args.only or args.only in "serverless-offline")
        )
        chosen = {n: t for n, t in all_targets.items() if not args.only or args.only in n}
        for _ in range(args.rounds):  # interleaved, so a busy moment hits every target
            for name, (cmd, env, cwd) in chosen.items():
                try:
                    with server(cmd, env, cwd) as (url, pid):
                        rounds.setdefault(name, []).append(measure(url, pid, args, lua))
                except RuntimeError as exc:  # did not come up
                    skipped[name] = str(exc)
                    rounds.pop(name, None)
            chosen = {n: t for n, t in chosen.items() if n not in skipped}
    results = {name: median_of(runs) for name, runs in rounds.items()}
    if args.only:
        print(json.dumps(results, indent=2))
        return 0
    ratios = [c for c in (compare(rounds, s, b) for s, b in COMPARISONS) if c is not None]
    print(table(results, ratios, skipped))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "meta": _meta(args, started, load_before),
        "results": results,
        "comparisons": ratios,
        "skipped": skipped,
        "rounds": rounds,
    }
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
