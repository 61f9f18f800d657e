"""`cloudexit-ci smoke` against the real Traefik and shims of a generated stack (the
functions as local processes: tests/e2e/stack.py): every route of serverless-items
passes, writes only with --allow-writes, a stopped function service fails its route;
on the probe fixture (HTTP API) a function's exception and timeout fail theirs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cloudexit_ci.main import main
from cloudexit_ci.smoke.report import schema
from tests.e2e import stack as e2e
from tests.e2e.conftest import NODE_MISSING
from tests.servers import REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.servers,
    pytest.mark.skipif(NODE_MISSING, reason="node missing"),
]
ITEMS = REPO / "examples" / "serverless-items" / "terraform"
PROBE = Path(__file__).resolve().parent / "fixtures" / "probe"


@pytest.fixture(scope="module")
def items(
    tmp_path_factory: pytest.TempPathFactory, endpoints: e2e.Endpoints
) -> Iterator[e2e.Stack]:
    with e2e.running(
        ITEMS, tmp_path_factory.mktemp("smoke-items"), endpoints, "api.smoke.test"
    ) as s:
        yield s


@pytest.fixture(scope="module")
def probe(
    tmp_path_factory: pytest.TempPathFactory, endpoints: e2e.Endpoints
) -> Iterator[e2e.Stack]:
    with e2e.running(
        PROBE, tmp_path_factory.mktemp("smoke-probe"), endpoints, "probe.smoke.test"
    ) as s:
        yield s


def smoke(
    capsys: pytest.CaptureFixture[str], stack: e2e.Stack, *extra: str
) -> tuple[int, dict[str, Any]]:
    argv = ["smoke", "--stack", str(stack.out), "--base-url", stack.base_url, "--no-compose"]
    code = main([*argv, "--format", "json", *extra])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, schema())
    return code, report


def by_route(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{r['method']} {r['path']}": r for r in report["routes"]}


def test_every_route_passes(items: e2e.Stack, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = smoke(capsys, items)
    assert code == 0 and report["ok"] is True, report
    routes = by_route(report)
    assert routes["GET /items"]["status"] == 200
    # the placeholder id is unknown: the function's own 404, with its request id
    got = routes["GET /items/{id}"]
    assert (got["status"], got["verdict"]) == (404, "pass")
    assert got["request"] == {"method": "GET", "target": "/items/cloudexit-smoke"}
    for key in ("GET /items", "GET /items/{id}"):
        assert routes[key]["requestId"] and routes[key]["ms"] is not None
    writes = {k for k, r in routes.items() if r["verdict"] == "not-probed"}
    assert writes == {"POST /items", "PUT /items/{id}", "DELETE /items/{id}"}
    assert report["host"] == "api.smoke.test" and report["health"]["checked"] is False


def test_text_report(items: e2e.Stack, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["smoke", "--stack", str(items.out), "--base-url", items.base_url, "--no-compose"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line.startswith("GET ")}
    assert rows["/items/{id}"][2:6] == ["get-item", "get-item", "404", "pass"]
    assert "not probed (write)" in out
    assert out.rstrip().splitlines()[-1].startswith("ok: 2 passed, 0 failed")


def test_allow_writes_probes_every_route(
    items: e2e.Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = smoke(capsys, items, "--allow-writes")
    assert code == 0, report
    routes = by_route(report)
    assert {r["verdict"] for r in routes.values()} == {"pass"}
    assert routes["POST /items"]["status"] == 201  # the body {} is an item
    assert routes["PUT /items/{id}"]["status"] == 404  # no such item
    assert routes["DELETE /items/{id}"]["request"]["method"] == "DELETE"


def test_exception_and_timeout_fail(probe: e2e.Stack, capsys: pytest.CaptureFixture[str]) -> None:
    """The shim's own 502 (the function threw) and 504 (its 1 s timeout) carry the request
    id but fail; the echo functions pass."""
    code, report = smoke(capsys, probe, "--timeout", "10")
    assert code == 1 and report["ok"] is False
    routes = by_route(report)
    for runtime in ("node", "py"):
        boom, slow = routes[f"GET /{runtime}/boom"], routes[f"GET /{runtime}/slow"]
        assert (boom["status"], boom["verdict"]) == (502, "fail") and boom["requestId"]
        assert "the function failed" in boom["reason"]
        assert (slow["status"], slow["verdict"]) == (504, "fail") and slow["requestId"]
        assert "the function timed out" in slow["reason"]
        assert routes[f"GET /{runtime}/echo/{{id}}"]["verdict"] == "pass"


def test_a_stopped_function_service_fails_its_route(
    items: e2e.Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Last in this module: it stops get-item's process for good."""
    items.stop_function("get-item")
    code, report = smoke(capsys, items)
    assert code == 1 and report["summary"]["failed"] == 1
    routes = by_route(report)
    failed = routes["GET /items/{id}"]
    assert failed["verdict"] == "fail" and failed["requestId"] is None
    assert failed["status"] in (502, 503) and "from the edge" in failed["reason"]
    assert routes["GET /items"]["verdict"] == "pass"
