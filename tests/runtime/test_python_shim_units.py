"""Pure-function tests of the Python shim against the contract tables
(tests/runtime/contract/*.json; the Node shim passes the same rows in
tests/runtime/node/shim_units.test.cjs): config loading, the route compiler and
matcher, both event builders, both response mappings.

The shim module is imported from its template and its functions called
directly; requests go through the shim's own HTTP parser (read_request) from the
raw bytes of the table, so a row is exactly what a client sends.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.runtime import contract
from tests.runtime.harness import PY_SHIM


def _import_shim() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cloudexit_shim_under_test", PY_SHIM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shim = _import_shim()
EVENTS = contract.table("events")
RESPONSES = contract.table("responses")
MALFORMED = (shim.MalformedResponse, ValueError, TypeError)  # what Shim.map_result turns into 502


def load_config(config: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The shim's load_config() on ``config`` written as the config.json it reads."""
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    saved = os.environ.get("CLOUDEXIT_CONFIG")
    os.environ["CLOUDEXIT_CONFIG"] = str(path)
    try:
        loaded: dict[str, Any] = shim.load_config()
    finally:
        if saved is None:
            del os.environ["CLOUDEXIT_CONFIG"]
        else:
            os.environ["CLOUDEXIT_CONFIG"] = saved
    return loaded


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The event table's configs, loaded by the shim (api defaults, compiled routes)."""
    return {
        name: load_config(config, tmp_path_factory.mktemp(name))
        for name, config in EVENTS["configs"].items()
    }


def _ids(prefix: str, rows: list[dict[str, Any]]) -> list[str]:
    return [f"{prefix}: {row['name']}" for row in rows]


# ---------------------------------------------------------------- config ---


@pytest.mark.parametrize(
    "case", contract.table("config")["cases"], ids=_ids("config", contract.table("config")["cases"])
)
def test_config(case: dict[str, Any], tmp_path: Path) -> None:
    assert load_config(case["config"], tmp_path)["api"] == case["expect"]


# --------------------------------------------------------------- routing ---


@pytest.mark.parametrize(
    "row",
    contract.compile_rows(),
    ids=[f"compile: {row['expect']['routeKey']}" for row in contract.compile_rows()],
)
def test_compile_route(row: dict[str, Any]) -> None:
    (route,) = shim.compile_routes([row["route"]])
    assert {key: route[key] for key in row["expect"]} == row["expect"]


@pytest.mark.parametrize(
    ("tbl", "row"),
    contract.route_rows(),
    ids=[contract.route_request_name(t, r) for t, r in contract.route_rows()],
)
def test_match_route(tbl: dict[str, Any], row: dict[str, Any]) -> None:
    routes = shim.compile_routes(tbl["routes"])
    found = shim.match_route(routes, row["method"], row["path"])
    if row["routeKey"] is None:
        assert found is None, found and found[0]["routeKey"]
        return
    assert found is not None, "no route matched"
    route, params = found
    assert (route["routeKey"], params) == (row["routeKey"], row["params"])


# ----------------------------------------------------------------- event ---


def build_event(config: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Parse the raw request, route it and build its event, as Shim.dispatch does."""
    rfile = io.BufferedReader(io.BytesIO(contract.raw_request(request)))
    req = shim.read_request(rfile, contract.PEER)
    url = shim.url_of(config["urls"], req)  # a function URL's Host first
    found = (url[1], None) if url else shim.match_route(config["routes"], *_target(req))
    assert found is not None, "the request matches no route"
    route, params = found
    api = url[0] if url else config["api"]
    build = shim.build_event_v2 if api["payloadVersion"] == "2.0" else shim.build_event_v1
    event: dict[str, Any] = build(
        api, req, route, dict(params) if params else None, EVENTS["nowMs"] / 1000
    )
    return event


def _target(req: dict[str, Any]) -> tuple[str, str]:
    return req["method"], req["path"]


@pytest.mark.parametrize("case", EVENTS["cases"], ids=_ids("events", EVENTS["cases"]))
def test_event(case: dict[str, Any], configs: dict[str, dict[str, Any]]) -> None:
    event = build_event(configs[case["config"]], case["request"])
    contract.check_event(case, event)
    json.dumps(event, allow_nan=False)  # the handler gets it as JSON-able data


def test_event_ids_are_fresh(configs: dict[str, dict[str, Any]]) -> None:
    """requestId (and v1 extendedRequestId) differ per request (SAM #9279 froze them)."""
    request = EVENTS["cases"][0]["request"]
    first, second = (build_event(configs["rest"], request) for _ in range(2))
    ids = {first["requestContext"][k] for k in ("requestId", "extendedRequestId")}
    ids |= {second["requestContext"][k] for k in ("requestId", "extendedRequestId")}
    assert len(ids) == 4


# -------------------------------------------------------------- response ---


@pytest.fixture(scope="module")
def default_types(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The Content-Type a v1 result without one gets, per API kind, from load_config."""
    return {
        kind: load_config({"api": {"kind": kind}}, tmp_path_factory.mktemp(kind))["api"][
            "defaultContentType"
        ]
        for kind in ("rest", "http")
    }


def map_response(case: dict[str, Any], default_types: dict[str, str]) -> Any:
    """The row's result mapped as the shim answers it: with API Gateway's headers when
    the row names a requestContext; a gatewayError row is the shim's own 502/504."""
    if "gatewayError" in case:
        return shim.gateway_error(case["kind"], case["requestContext"], case["gatewayError"])
    if case["payload"] == "2.0":
        mapped = shim.map_response_v2(case["result"])
    else:
        mapped = shim.map_response_v1(case["result"], default_types[case["kind"]])
    if "requestContext" not in case:
        return mapped
    status, headers, body = mapped
    return status, shim.gateway_headers(case["kind"], case["requestContext"], headers), body


@pytest.mark.parametrize("case", RESPONSES["cases"], ids=_ids("responses", RESPONSES["cases"]))
def test_response(case: dict[str, Any], default_types: dict[str, str]) -> None:
    if case.get("malformed"):
        with pytest.raises(MALFORMED):
            map_response(case, default_types)
        return
    status, headers, body = map_response(case, default_types)
    contract.check_response(case["expect"], status, headers, body)


def test_gateway_headers_leave_the_shared_headers_alone() -> None:
    """map_response_v2 answers non-statusCode results with one shared header list."""
    before = list(shim.JSON_HEADERS)
    ctx = {"requestId": "r", "extendedRequestId": "e"}
    shim.gateway_headers("http", ctx, shim.map_response_v2({"a": 1})[1])
    shim.gateway_error("rest", ctx, 502)
    assert before == shim.JSON_HEADERS


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb"])
def test_header_value_with_a_line_break_is_malformed(value: str) -> None:
    """Python only (Node's writeHead refuses such a value itself, and the server
    answers 502): a header value can never add a header line."""
    result = {"statusCode": 200, "headers": {"X": value}}
    with pytest.raises(shim.MalformedResponse):
        shim.map_response_v1(result, "application/json")
    with pytest.raises(shim.MalformedResponse):
        shim.map_response_v2(result)
