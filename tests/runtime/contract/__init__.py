"""The API Gateway contract as tables (the *.json files here), shared by both shims'
unit tests: tests/runtime/test_python_shim_units.py calls the Python shim's
functions, tests/runtime/node/shim_units.test.cjs the Node shim's (run by
tests/runtime/test_node_shim_units.py). One row, one rule; both shims must pass
every row, so they cannot drift apart.

Test names are the same on both sides (``names()``): "<table>: <row>".
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PEER = "127.0.0.1"


@cache
def table(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    return data


def route_request_name(tbl: dict[str, Any], row: dict[str, Any]) -> str:
    return f"routes: {tbl['name']} | {row['method']} {row['path']}"


def names() -> list[str]:
    """Every row's test name, in the tables' order."""
    out = [f"config: {c['name']}" for c in table("config")["cases"]]
    out += [f"compile: {c['expect']['routeKey']}" for c in compile_rows()]
    out += [route_request_name(t, r) for t, r in route_rows()]
    out += [f"events: {c['name']}" for c in table("events")["cases"]]
    out += [f"responses: {c['name']}" for c in table("responses")["cases"]]
    return out


def compile_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table("routes")["compile"]
    return rows


def route_rows() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(t, r) for t in table("routes")["tables"] for r in t["requests"]]


def raw_request(request: dict[str, Any]) -> bytes:
    """The request as bytes on the wire: exactly the listed headers, nothing added."""
    lines = [f"{request['method']} {request['target']} {request.get('version', 'HTTP/1.1')}"]
    lines += [f"{name}: {value}" for name, value in request["headers"]]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if "bodyBase64" in request:
        return head + base64.b64decode(request["bodyBase64"])
    return head + str(request.get("body", "")).encode("utf-8")


def normalised(actual: Any, want: Any) -> Any:
    """``actual`` with each fresh UUID where ``want`` says "<uuid>" replaced by that mark."""
    if want == "<uuid>" and isinstance(actual, str) and UUID.match(actual):
        return want
    if isinstance(want, dict) and isinstance(actual, dict):
        return {k: normalised(v, want[k]) if k in want else v for k, v in actual.items()}
    if isinstance(want, list) and isinstance(actual, list) and len(want) == len(actual):
        return [normalised(a, w) for a, w in zip(actual, want, strict=True)]
    return actual


def same(actual: Any, want: Any, where: str) -> None:
    """Equal as data and as JSON (so True is not 1 and 1.0 is not 1)."""
    got = normalised(actual, want)
    assert got == want, f"{where}: {got!r} != {want!r}"
    assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True), where


def check_event(case: dict[str, Any], event: dict[str, Any]) -> None:
    """Top-level keys exactly; requestContext key by key; ``absent`` keys missing."""
    expect = case["expect"]
    for key, want in expect.items():
        assert key in event, f"event has no {key}"
        if key == "requestContext":
            for name, value in want.items():
                assert name in event[key], f"requestContext has no {name}"
                same(event[key][name], value, f"requestContext.{name}")
        else:
            same(event[key], want, key)
    for key in case.get("absent", []):
        assert key not in event, f"event has {key}: {event[key]!r}"
    if case.get("full"):
        assert sorted(event) == sorted(expect)
        assert sorted(event["requestContext"]) == sorted(expect["requestContext"])


def check_response(expect: dict[str, Any], status: int, headers: Any, body: bytes) -> None:
    """Status, every header (name as emitted -> values), body as text, bytes or JSON."""
    assert status == expect["status"]
    names = [name for name, _ in headers]
    assert len(set(names)) == len(names), f"one entry per header name: {names}"
    assert {name: list(values) for name, values in headers} == expect["headers"]
    if "json" in expect:
        assert json.loads(body) == expect["json"]
    elif "bodyBase64" in expect:
        assert body == base64.b64decode(expect["bodyBase64"])
    else:
        assert body == expect["body"].encode("utf-8")
