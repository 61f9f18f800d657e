"""A loopback HTTP proxy that forwards to a real server and injects faults.

On ``rate`` of requests (seeded, so runs are reproducible) it answers one of:
400 ThrottlingException, 400 ProvisionedThroughputExceededException (JSON, the
DynamoDB wire format) or 503 SlowDown (S3 XML), a 500, a connection dropped
before forwarding, or a connection dropped after forwarding (the upstream did
the work, the answer is lost).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

DDB_THROTTLE = {
    "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
    "message": "Rate of requests exceeds the allowed throughput.",
}
DDB_PTEE = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded.",
}
S3_SLOWDOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
FAULTS = ("throttle", "ptee", "500", "drop", "drop_after")


class FaultProxy:
    def __init__(self, upstream: str, rate: float, seed: int = 1):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rate = rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def choose(self) -> str:
        with self.lock:
            self.counts["requests"] += 1
            fault = self.rng.choice(FAULTS) if self.rng.random() < self.rate else "ok"
            self.counts[fault] += 1
            return fault

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy.choose()
                if fault == "drop":
                    return self._drop()
                if fault in ("throttle", "ptee", "500"):
                    return self._fault(fault)
                status, headers, data = proxy.forward(self.command, self.path, self.headers, body)
                if fault == "drop_after":
                    return self._drop()
                self.send_response(status)
                skip = ("transfer-encoding", "connection", "content-length")
                for key, value in headers:
                    if key.lower() not in skip or (
                        self.command == "HEAD" and key.lower() == skip[2]
                    ):
                        self.send_header(key, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _drop(self) -> None:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _fault(self, fault: str) -> None:
                is_ddb = "X-Amz-Target" in self.headers
                if fault == "500":
                    status, data, ctype = (
                        500,
                        b'{"__type":"InternalServerError"}',
                        "application/json",
                    )
                elif is_ddb:
                    doc = DDB_THROTTLE if fault == "throttle" else DDB_PTEE
                    status, data, ctype = (
                        400,
                        json.dumps(doc).encode(),
                        "application/x-amz-json-1.0",
                    )
                else:
                    status, data, ctype = 503, S3_SLOWDOWN, "application/xml"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        return Handler

    def forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            items = [(k, v) for k, v in headers.items()]  # type: ignore[attr-defined]
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for key, value in items:
                conn.putheader(key, value)
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = b"" if method == "HEAD" else resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()


@contextlib.contextmanager
def fault_proxy(
    upstream: str, rate: float = 0.15, seed: int = 1
) -> Iterator[tuple[str, FaultProxy]]:
    proxy = FaultProxy(upstream, rate, seed)
    server = ThreadingHTTPServer(("127.0.0.1", 0), proxy.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
