"""The real Traefik binary runs the generated static + dynamic configuration.

The test rewrites only what a laptop cannot have: entrypoints on loopback free
ports without TLS (no ACME resolver, no web→websecure redirect), the file
provider directory, the API on a loopback port, and service URLs pointing at
stand-in backends (threaded HTTP servers that echo what they received and answer
the `/__cloudexit/health` check). Routers, rules, priorities and middlewares
are Traefik's own reading of the generated YAML.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.main import main
from tests.servers import REPO, free_ports, traefik

pytestmark = pytest.mark.servers

EXAMPLES = {
    "serverless-items": REPO / "examples" / "serverless-items" / "terraform",
    "http-api-uploads": REPO / "examples" / "http-api-uploads" / "terraform",
}
HEALTH = "/__cloudexit/health"


class _Echo(BaseHTTPRequestHandler):
    """Answers every method with what it saw, as JSON; records it."""

    service = ""
    seen: list[dict[str, str]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        record = {
            "service": self.service,
            "method": self.command,
            "path": self.path,
            "host": self.headers.get("Host", ""),
        }
        if self.path != HEALTH:
            self.seen.append(record)
        body = json.dumps(record).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def _backends(names: list[str]) -> Iterator[tuple[dict[str, str], list[dict[str, str]]]]:
    """One echo server per generated service; yields (service → URL, requests seen)."""
    seen: list[dict[str, str]] = []
    servers: list[ThreadingHTTPServer] = []
    try:
        for name in names:
            handler = type(f"Echo_{len(servers)}", (_Echo,), {"service": name, "seen": seen})
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
        ports = [s.server_address[1] for s in servers]
        urls = {n: f"http://127.0.0.1:{p}" for n, p in zip(names, ports, strict=True)}
        yield urls, seen
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _rewrite_static(static: dict[str, Any], ports: dict[str, int], dynamic: Path) -> dict[str, Any]:
    assert set(static["entryPoints"]) >= {"web", "websecure"}
    static = dict(static)
    static["entryPoints"] = {
        "web": {"address": f"127.0.0.1:{ports['web']}"},  # no redirection to websecure
        "websecure": {"address": f"127.0.0.1:{ports['websecure']}"},  # plain HTTP
        "traefik": {"address": f"127.0.0.1:{ports['api']}"},
    }
    static.pop("certificatesResolvers", None)
    static.pop("ping", None)
    static["providers"] = {"file": {"directory": str(dynamic), "watch": False}}
    static["api"] = {"insecure": True, "dashboard": False}
    static["log"] = {"level": "INFO"}
    static.pop("accessLog", None)
    return static


def _rewrite_dynamic(doc: dict[str, Any], urls: dict[str, str]) -> dict[str, Any]:
    http_part = doc.get("http", {})
    for router in http_part.get("routers", {}).values():
        router.pop("tls", None)
    for name, service in http_part.get("services", {}).items():
        service["loadBalancer"]["servers"] = [{"url": urls[name]}]
    return doc


def _request_for(rule: str) -> tuple[str, str, str]:
    """(host, method, concrete path) a request matching ``rule`` uses."""
    host = re.search(r"Host\(`([^`]+)`\)", rule)
    assert host, rule
    method = re.search(r"Method\(`([A-Z]+)`\)", rule)
    exact = re.search(r"Path\(`([^`]+)`\)", rule)
    pattern = re.search(r"PathRegexp\(`([^`]+)`\)", rule)
    prefix = re.search(r"PathPrefix\(`([^`]+)`\)", rule)
    if exact:
        path = exact.group(1)
    elif pattern:
        regex = pattern.group(1)
        path = regex.strip("^$").replace("[^/]+", "abc").replace(".+", "a/b").replace(".*", "a/b")
        assert re.fullmatch(regex, path), (regex, path)
    elif prefix:
        path = prefix.group(1).rstrip("/") + "/sub/path"
    else:
        path = "/any/where"
    return host.group(1), method.group(1) if method else "GET", path


def _send(port: int, method: str, path: str, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        conn.request(method, path, body=body, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _api(url: str) -> Any:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/api/http/routers?per_page=1000")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def _strip(name: str) -> str:
    return name.removesuffix("@file")


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_traefik_serves_every_generated_route(tmp_path: Path, example: str) -> None:
    output = tmp_path / "stack"
    argv = ["migrate", str(EXAMPLES[example]), "--output", str(output)]
    assert main([*argv, "--domain", "api.example.com"]) == 0
    generated = {
        p.name: yaml.safe_load(p.read_text())
        for p in sorted((output / "traefik" / "dynamic").glob("*.yml"))
    }
    routers: dict[str, dict[str, Any]] = {}
    services: list[str] = []
    for doc in generated.values():
        routers.update(doc.get("http", {}).get("routers", {}))
        services += list(doc.get("http", {}).get("services", {}))
    assert len(routers) >= 5 and services

    dynamic = tmp_path / "dynamic"
    dynamic.mkdir()
    ports = dict(zip(("web", "websecure", "api"), free_ports(3), strict=True))
    with _backends(services) as (urls, seen):
        for name, doc in generated.items():
            (dynamic / name).write_text(yaml.safe_dump(_rewrite_dynamic(doc, urls)))
        static = yaml.safe_load((output / "traefik" / "traefik.yml").read_text())
        config = tmp_path / "traefik.yml"
        config.write_text(yaml.safe_dump(_rewrite_static(static, ports, dynamic)))
        with traefik(config, ports["api"]) as api:
            live = _wait_for_routers(api, len(routers))
            for name, router in routers.items():
                got = live[f"{name}@file"]
                assert got["status"] == "enabled", got
                assert got["rule"] == router["rule"]
                assert _strip(got["service"]) == router["service"]
                assert got["entryPoints"] == router["entryPoints"] == ["websecure"]
                assert [_strip(m) for m in got.get("middlewares", [])] == router.get(
                    "middlewares", []
                )
                assert got["priority"] == router["priority"]
            for name, router in sorted(routers.items()):
                host, method, path = _request_for(router["rule"])
                seen.clear()
                status, body = _send(ports["websecure"], method, path, host)
                assert status == 200, (name, method, path, status, body)
                expected = {"service": router["service"], "method": method, "path": path}
                assert seen == [{**expected, "host": host}], name
            status, _ = _send(ports["websecure"], "GET", "/no/such/route", "api.example.com")
            assert status == 404
            status, _ = _send(ports["websecure"], "GET", "/items", "other.example.org")
            assert status == 404


def _wait_for_routers(api: str, count: int, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        live = {r["name"]: r for r in _api(api) if r["name"].endswith("@file")}
        if len(live) >= count or time.monotonic() > deadline:
            assert len(live) == count, sorted(live)
            return live
        time.sleep(0.2)
