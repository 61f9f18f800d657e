"""The shim benchmark's targets: bare servers answering inline, the two shims and
serverless-offline, each with the same trivial handler (method in bench/shim_bench.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SLS_DIR = Path(os.environ.get("CLOUDEXIT_SLS_OFFLINE_DIR", "/tmp/cloudexit-sls-offline"))
SLS_PACKAGES = ["serverless@3", "serverless-offline@13"]
SLS_YML = """service: cloudexit-bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
plugins:
  - serverless-offline
functions:
  bench:
    handler: index.handler
    events:
      - http:
          method: GET
          path: /items/{id}
"""
NODE_SHIM = REPO / "templates" / "runtime" / "node" / "cloudexit-shim.cjs"
PY_SHIM = REPO / "templates" / "runtime" / "python" / "cloudexit_shim.py"
BODY = '{"ok":true}'

# The same handler module the shim runs (index.js), called inline: its result's
# status, headers and body written as they are, no event, no context.
BARE_NODE = """
const http = require('node:http');
const { handler } = require(process.env.HANDLER_FILE);
http.createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    const out = await handler({ httpMethod: req.method, path: req.url }, {});
    const headers = { ...out.headers, 'Content-Length': Buffer.byteLength(out.body) };
    res.writeHead(out.statusCode, headers);
    res.end(out.body);
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

# The shim's own HTTP layer (its parser, keep-alive rule and response writer, one
# thread per connection) with the handler inline: what the shim adds on top of
# it is exactly the Lambda contract (event, context, ids, timeout watch, response
# mapping, access log) -- the Python twin of "bare node:http" for the Node shim.
BARE_SHIM_LAYER = """
import os, socket, sys, threading
sys.path.insert(0, os.environ["SHIM_DIR"])
from cloudexit_shim import ClientGone, keep_alive, read_request, serialize

def handler(event, context):
    headers = {"Content-Type": "application/json"}
    return {"statusCode": 200, "headers": headers, "body": '{"ok":true}'}

def serve(sock, peer):
    rfile = sock.makefile("rb")
    try:
        while True:
            req = read_request(rfile, peer)
            if req is None:
                break
            event = {"httpMethod": req["method"], "path": req["path"], "body": req["body"]}
            out = handler(event, None)
            headers = [(k, [v]) for k, v in out["headers"].items()]
            close = not keep_alive(req)
            sock.sendall(serialize(out["statusCode"], headers, out["body"].encode(), close))
            if close:
                break
    except (OSError, ClientGone):
        pass
    sock.close()

listener = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
while True:
    sock, addr = listener.accept()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(sock, addr[0]), daemon=True).start()
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


Target = tuple[list[str], dict[str, str], Path | None]


def serverless_offline() -> tuple[list[str], dict[str, str], Path] | str:
    """The serverless-offline target, installed on first use; or why it cannot run."""
    if shutil.which("npm") is None:
        return "npm not found"
    SLS_DIR.mkdir(parents=True, exist_ok=True)
    (SLS_DIR / "serverless.yml").write_text(SLS_YML)
    (SLS_DIR / "index.js").write_text(NODE_HANDLER)
    cli = SLS_DIR / "node_modules" / "serverless" / "bin" / "serverless.js"
    if not (cli.exists() and (SLS_DIR / "node_modules" / "serverless-offline").exists()):
        if not (SLS_DIR / "package.json").exists():
            (SLS_DIR / "package.json").write_text(
                '{"name": "sls-bench", "version": "1.0.0", "private": true}\n'
            )
        cmd = ["npm", "install", "--no-audit", "--no-fund", *SLS_PACKAGES]
        try:
            done = subprocess.run(cmd, cwd=SLS_DIR, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(cmd)}` timed out after 600 s (no registry access?)"
        if done.returncode != 0 or not cli.exists():
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            return f"`{' '.join(cmd)}` failed ({done.returncode}): {tail}"
    env = {
        "SLS_TELEMETRY_DISABLED": "1",  # no network use at start
        "SLS_NOTIFICATIONS_MODE": "off",
        "SLS_DEPRECATION_DISABLE": "*",
        "AWS_ACCESS_KEY_ID": "bench",  # never used: offline only
        "AWS_SECRET_ACCESS_KEY": "bench",
    }
    cmd = ["node", str(cli), "offline", "start", "--host", "127.0.0.1", "--httpPort", "{port}"]
    cmd += ["--lambdaPort", "{port2}", "--noPrependStageInUrl"]
    return cmd, env, SLS_DIR


def targets(work: Path, with_sls: bool = True) -> tuple[dict[str, Target], dict[str, str]]:
    """name -> (command, extra env, cwd); and name -> why a target was skipped."""
    (work / "index.js").write_text(NODE_HANDLER)
    (work / "app.py").write_text(PY_HANDLER)
    (work / "node.json").write_text(json.dumps(shim_config("index.handler", "nodejs18.x")))
    (work / "py.json").write_text(json.dumps(shim_config("app.handler", "python3.12")))
    quiet = {"LAMBDA_TASK_ROOT": str(work), "CLOUDEXIT_HOST": "127.0.0.1"}
    py = sys.executable
    chosen: dict[str, Target] = {
        "node bare (node:http)": (
            ["node", "-e", BARE_NODE],
            {"HANDLER_FILE": str(work / "index.js")},
            None,
        ),
        "node shim": (
            ["node", str(NODE_SHIM)],
            {**quiet, "CLOUDEXIT_CONFIG": str(work / "node.json")},
            None,
        ),
        "python bare (shim's HTTP layer)": (
            [py, "-c", BARE_SHIM_LAYER],
            {"SHIM_DIR": str(PY_SHIM.parent)},
            None,
        ),
        "python bare (thread per connection)": ([py, "-c", BARE_THREADS], {}, None),
        "python bare (ThreadingHTTPServer)": ([py, "-c", BARE_THREADING], {}, None),
        "python bare (asyncio streams)": ([py, "-c", BARE_ASYNCIO], {}, None),
        "python shim": (
            [py, str(PY_SHIM)],
            {**quiet, "CLOUDEXIT_CONFIG": str(work / "py.json")},
            None,
        ),
    }
    skipped: dict[str, str] = {}
    if with_sls:
        sls = serverless_offline()
        if isinstance(sls, str):
            skipped["serverless-offline"] = sls
        else:
            chosen["serverless-offline"] = sls
    else:
        skipped["serverless-offline"] = "not run (--no-serverless-offline)"
    return chosen, skipped
