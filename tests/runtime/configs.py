"""Shim configs used by the runtime tests (the generator's config.json contract)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RUNTIMES = ["node", "python"]
LANG = {"node": ("node", "nodejs18.x"), "python": ("python", "python3.12")}

NODE_ONLY = {
    "callback": "callback.handler",
    "cbfail": "callback.fails",
    "succeed": "callback.succeed",
    "promise": "callback.promise",
    "esm": "esm.handler",
}

ROUTES: list[dict[str, str]] = [
    {"method": "GET", "path": "/items/{id}", "function": "echo"},
    {"method": "GET", "path": "/items/special", "function": "echo2"},
    {"method": "POST", "path": "/items", "function": "echo"},
    {"method": "ANY", "path": "/files/{proxy+}", "function": "echo"},
    {"method": "ANY", "path": "/respond", "function": "respond"},
    {"method": "GET", "path": "/boom", "function": "boom"},
    {"method": "GET", "path": "/slow", "function": "slow"},
]


def function(runtime: str, handler: str, timeout: int = 5, memory: int = 256) -> dict[str, Any]:
    code_dir, lambda_runtime = LANG[runtime]
    return {
        "handler": handler,
        "codeDir": code_dir,
        "timeout": timeout,
        "memory": memory,
        "runtime": lambda_runtime,
    }


def functions(runtime: str) -> dict[str, Any]:
    fns = {
        "echo": function(runtime, "echo.handler"),
        "echo2": function(runtime, "echo.handler", memory=512),
        "respond": function(runtime, "respond.handler"),
        "boom": function(runtime, "boom.handler"),
        "slow": function(runtime, "echo.handler", timeout=1),
    }
    if runtime == "node":
        fns.update({name: function(runtime, h) for name, h in NODE_ONLY.items()})
    return fns


def routes(runtime: str, default: bool) -> list[dict[str, str]]:
    out = list(ROUTES)
    if runtime == "node":
        out += [{"method": "GET", "path": f"/node/{n}", "function": n} for n in NODE_ONLY]
    if default:
        out.append({"method": "ANY", "path": "$default", "function": "echo2"})
    return out


def rest(runtime: str) -> dict[str, Any]:
    """A REST API (payload 1.0) with one binary media type."""
    api: dict[str, Any] = {"id": "items-api", "stage": "prod", "payloadVersion": "1.0"}
    api["kind"] = "rest"
    api.update(binaryMediaTypes=["image/png"], domainName="api.example.com")
    return {"api": api, "functions": functions(runtime), "routes": routes(runtime, False)}


def http_api(runtime: str, version: str = "2.0") -> dict[str, Any]:
    """An HTTP API on the $default stage with a $default route."""
    api: dict[str, Any] = {"id": "uploads-api", "stage": "$default", "payloadVersion": version}
    api["kind"] = "http"
    api.update(binaryMediaTypes=[], domainName="files.example.com")
    return {"api": api, "functions": functions(runtime), "routes": routes(runtime, True)}


def single(runtime: str) -> dict[str, Any]:
    """Containerized mode: one function per process."""
    cfg = rest(runtime)
    cfg["functions"] = {"create-item": function(runtime, "echo.handler", timeout=7, memory=384)}
    cfg["routes"] = [{"method": "ANY", "path": "/items", "function": "create-item"}]
    return cfg


def http_api_v1(runtime: str) -> dict[str, Any]:
    """The HTTP API with payload 1.0."""
    return http_api(runtime, "1.0")


CONFIGS: dict[str, Callable[[str], dict[str, Any]]] = {
    "rest": rest, "http2": http_api, "http1": http_api_v1,
}  # fmt: skip
