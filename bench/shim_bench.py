"""Benchmark the Lambda-over-HTTP shims against bare servers on the same HTTP layer.

    .venv/bin/python bench/shim_bench.py [--duration 3] [--rounds 3] [--connections 10]

autocannon (tests/node/node_modules/.bin) on loopback, after a 1 s warm-up per
target; targets are measured in interleaved rounds and the medians kept (the
machine is shared: the 1-minute load average is recorded). Targets: a bare
node:http server answering inline vs the Node shim with the same trivial
handler; three bare Python servers running the handler inline (single-thread
asyncio streams; one thread per connection, as the shim; the stdlib
ThreadingHTTPServer) vs the Python shim. Prints a markdown table and writes
bench/results/shim.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers import free_port, wait_http  # noqa: E402

AUTOCANNON = REPO / "tests" / "node" / "node_modules" / ".bin" / "autocannon"
NODE_SHIM = REPO / "templates" / "runtime" / "node" / "cloudexit-shim.cjs"
PY_SHIM = REPO / "templates" / "runtime" / "python" / "cloudexit_shim.py"
RESULTS = REPO / "bench" / "results" / "shim.json"
PATH = "/items/42?x=1"
BODY = '{"ok":true}'

BARE_NODE = """
const http = require('node:http');
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = JSON.stringify({ ok: true });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
"""

BARE_ASYNCIO = """
import asyncio, os

def handler(event, context):
    headers = {"Content-Type": "application/json"}
    return {"statusCode": 200, "headers": headers, "body": '{"ok":true}'}

async def conn(reader, writer):
    while True:
        try:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            break
        lines = head[:-4].decode("latin-1").split("\\r\\n")
        method, target, _ = lines[0].split(" ")
        headers = dict(x.split(":", 1) for x in lines[1:])
        length = int(headers.get("Content-Length", headers.get("content-length", "0")))
        body = await reader.readexactly(length) if length else b""
        out = handler({"httpMethod": method, "path": target, "body": body}, None)
        data = out["body"].encode()
        writer.write(
            b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
            b"Content-Length: %d\\r\\n\\r\\n%s" % (len(data), data)
        )
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(conn, "127.0.0.1", int(os.environ["PORT"]))
    await server.serve_forever()

asyncio.run(main())
"""

BARE_THREADS = """
import os, socket, threading

def handler(event, context):
    headers = {"Content-Type": "application/json"}
    return {"statusCode": 200, "headers": headers, "body": '{"ok":true}'}

def serve(sock):
    rfile = sock.makefile("rb")
    while True:
        line = rfile.readline(65537)
        if not line:
            break
        method, target, _ = line.decode("latin-1").split(" ")
        length = 0
        while True:
            h = rfile.readline(65537)
            if h in (b"\\r\\n", b"\\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = rfile.read(length) if length else b""
        out = handler({"httpMethod": method, "path": target, "body": body}, None)
        data = out["body"].encode()
        sock.sendall(
            b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
            b"Content-Length: %d\\r\\n\\r\\n%s" % (len(data), data)
        )
    sock.close()

listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
while True:
    sock, _ = listener.accept()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(sock,), daemon=True).start()
"""

BARE_THREADING = """
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers+body in 2 writes hit delayed ACK (40 ms)
    def do_GET(self):
        body = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""

NODE_HANDLER = (
    "exports.handler = async () => ({ statusCode: 200, "
    "headers: { 'Content-Type': 'application/json' }, body: '" + BODY + "' });\n"
)
PY_HANDLER = (
    "def handler(event, context):\n"
    "    return {'statusCode': 200, 'headers': {'Content-Type': 'application/json'}, "
    "'body': '" + BODY + "'}\n"
)


def shim_config(handler: str, runtime: str) -> dict[str, Any]:
    fn = {"handler": handler, "codeDir": ".", "timeout": 30, "memory": 256, "runtime": runtime}
    api = {"id": "bench", "stage": "prod", "kind": "rest", "binaryMediaTypes": []}
    routes = [{"method": "GET", "path": "/items/{id}", "function": "bench"}]
    return {"api": api, "functions": {"bench": fn}, "routes": routes}


def targets(work: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (command, extra env)."""
    (work / "index.js").write_text(NODE_HANDLER)
    (work / "app.py").write_text(PY_HANDLER)
    (work / "node.json").write_text(json.dumps(shim_config("index.handler", "nodejs18.x")))
    (work / "py.json").write_text(json.dumps(shim_config("app.handler", "python3.12")))
    quiet = {"LAMBDA_TASK_ROOT": str(work), "CLOUDEXIT_HOST": "127.0.0.1"}
    py = sys.executable
    return {
        "node bare (node:http)": (["node", "-e", BARE_NODE], {}),
        "node shim": (
            ["node", str(NODE_SHIM)],
            {**quiet, "CLOUDEXIT_CONFIG": str(work / "node.json")},
        ),
        "python bare (asyncio streams)": ([py, "-c", BARE_ASYNCIO], {}),
        "python bare (ThreadingHTTPServer)": ([py, "-c", BARE_THREADING], {}),
        "python bare (thread per connection)": ([py, "-c", BARE_THREADS], {}),
        "python shim": (
            [py, str(PY_SHIM)],
            {**quiet, "CLOUDEXIT_CONFIG": str(work / "py.json")},
        ),
    }


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,  # the shims' access log is part of their cost,
        stderr=subprocess.DEVNULL,  # but not the terminal's
    )
    url = f"http://127.0.0.1:{port}{PATH}"
    try:
        wait_http(url, timeout=15)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def autocannon(url: str, connections: int, duration: int) -> dict[str, Any]:
    cmd = [str(AUTOCANNON), "-j", "-c", str(connections), "-d", str(duration), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def sequential_p50(url: str, count: int = 3000) -> float:
    """p50 of one keep-alive connection, requests in series, with µs resolution
    (autocannon reports whole milliseconds)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = f"{parts.path}?{parts.query}"
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", target)
        conn.getresponse().read()
        samples.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(samples) * 1000


def measure(url: str, connections: int, duration: int) -> dict[str, float]:
    autocannon(url, connections, 1)  # warm-up (JIT, caches, keep-alive pools)
    data = autocannon(url, connections, duration)
    return {
        "seq_p50_ms": round(sequential_p50(url), 4),
        "rps": float(data["requests"]["average"]),
        "p50_ms": float(data["latency"]["p50"]),
        "p99_ms": float(data["latency"]["p99"]),
        "errors": float(data["errors"] + data["non2xx"]),
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 4) for key in runs[0]}


def compare(results: dict[str, dict[str, float]], shim: str, bare: str) -> dict[str, Any]:
    s, b = results[shim], results[bare]
    return {
        "shim": shim,
        "bare": bare,
        "rps_ratio": round(s["rps"] / b["rps"], 3),
        "added_p50_ms": round(s["seq_p50_ms"] - b["seq_p50_ms"], 3),
    }


def table(results: dict[str, dict[str, float]], ratios: list[dict[str, Any]]) -> str:
    head = "| target | req/s | p50 ms (1 conn, µs res.) | p50 ms (autocannon) | p99 ms | errors |"
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        cells = [f"{r['rps']:.0f}", f"{r['seq_p50_ms']:.3f}", f"{r['p50_ms']:.0f}"]
        cells += [f"{r['p99_ms']:.0f}", f"{r['errors']:.0f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| shim vs bare | req/s ratio (target ≥ 0.7) | added p50 ms (target < 1) |"]
    lines.append("|---|---:|---:|")
    for c in ratios:
        lines.append(f"| {c['shim']} vs {c['bare']} | {c['rps_ratio']} | {c['added_p50_ms']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians kept")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--only", help="run the targets whose name contains this (no JSON written)")
    args = parser.parse_args(argv)
    rounds: dict[str, list[dict[str, float]]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        chosen = {n: t for n, t in targets(Path(tmp)).items() if not args.only or args.only in n}
        for _ in range(args.rounds):  # interleaved, so a busy moment hits every target
            for name, (cmd, env) in chosen.items():
                with server(cmd, env) as url:
                    rounds.setdefault(name, []).append(
                        measure(url, args.connections, args.duration)
                    )
    results = {name: median_of(runs) for name, runs in rounds.items()}
    if args.only:
        print(json.dumps(results, indent=2))
        return 0
    ratios = [
        compare(results, "node shim", "node bare (node:http)"),
        compare(results, "python shim", "python bare (asyncio streams)"),
        compare(results, "python shim", "python bare (thread per connection)"),
        compare(results, "python shim", "python bare (ThreadingHTTPServer)"),
    ]
    print(table(results, ratios))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "node": subprocess.run(["node", "-v"], capture_output=True, text=True).stdout.strip(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    payload = {"meta": meta, "results": results, "comparisons": ratios}
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
