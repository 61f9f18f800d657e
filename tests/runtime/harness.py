"""Start a real runtime shim (Node or Python subprocess) and talk raw HTTP to it.

http.client is used directly so tests control duplicate headers, header case,
raw query strings, cookies and binary bodies byte for byte.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import REPO, free_port, wait_http

NODE_SHIM = REPO / "templates" / "runtime" / "node" / "cloudexit-shim.cjs"
PY_SHIM = REPO / "templates" / "runtime" / "python" / "cloudexit_shim.py"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NODE = shutil.which("node")
HEALTH = "/__cloudexit/health"


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Shim:
    runtime: str
    port: int
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    conns: list[http.client.HTTPConnection] = field(default_factory=list)

    def connection(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        self.conns.append(conn)
        return conn

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        conn: http.client.HTTPConnection | None = None,
    ) -> Response:
        """Send exactly these headers (plus Host/Content-Length) and read the answer."""
        conn = conn or self.connection()
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        sent = headers if headers is not None else [("Host", "api.example.com")]
        for name, value in sent:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return Response(resp.status, resp.getheaders(), resp.read())

    def echo(self, method: str, target: str, **kw: Any) -> dict[str, Any]:
        resp = self.request(method, target, **kw)
        assert resp.status == 200, (resp.status, resp.body)
        return dict(resp.json())

    def stdout_lines(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.stdout.read_text().splitlines() if x.startswith("{")]

    def stderr_lines(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.stderr.read_text().splitlines() if x.startswith("{")]


def shim_command(runtime: str) -> list[str]:
    if runtime == "node":
        assert NODE is not None
        return [NODE, str(NODE_SHIM)]
    return [sys.executable, str(PY_SHIM)]


@contextlib.contextmanager
def start(
    runtime: str,
    config: dict[str, Any],
    tmp: Path,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    task_root: Path = FIXTURES,
    ready: tuple[int, ...] = (200,),
) -> Iterator[Shim]:
    """Run the shim for ``runtime`` with ``config``; task root is the fixtures dir unless
    given; started once its health path answers one of ``ready``."""
    cfg = tmp / f"config-{runtime}.json"
    cfg.write_text(json.dumps(config))
    port = free_port()
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA")}
    child_env.update(CLOUDEXIT_CONFIG=str(cfg), LAMBDA_TASK_ROOT=str(task_root), PORT=str(port))
    child_env["CLOUDEXIT_HOST"] = "127.0.0.1"
    child_env.update(env or {})
    for name in unset:
        child_env.pop(name, None)
    out, err = tmp / f"{runtime}-{port}.out", tmp / f"{runtime}-{port}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(shim_command(runtime), env=child_env, stdout=fo, stderr=fe)
    shim = Shim(runtime, port, proc, out, err)
    try:
        wait_http(f"http://127.0.0.1:{port}{HEALTH}", timeout=15, ok=ready)
        yield shim
    finally:
        for conn in shim.conns:
            conn.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    rc = proc.poll()
    assert rc is not None, "shim did not exit"
    return rc
