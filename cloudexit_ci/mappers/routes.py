"""Shared route logic: integration URI → function, and route inference by name."""

from __future__ import annotations

import re
from typing import Any

from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.stack import Origin, Route
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Computed, Interpolation
from cloudexit_ci.terraform.model import Values

_MODULE_PREFIX = re.compile(r'(?:module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.)+')

# verb keywords in a function name → (HTTP method, item route?)
_VERBS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("create", "add", "post", "new", "insert", "put"), "POST", False),
    (("list", "all", "search", "query", "index", "scan"), "GET", False),
    (("get", "read", "fetch", "show", "find", "describe", "retrieve"), "GET", True),
    (("update", "edit", "modify", "patch", "replace", "set"), "PUT", True),
    (("delete", "remove", "destroy", "del"), "DELETE", True),
)


def function_of(ctx: MapContext, uri: Any) -> str | None:
    """The Function.key an integration URI (``...invoke_arn``/``...arn``) points at."""
    by_address: dict[str, str] = ctx.family("lambda.by_address", dict)
    address = getattr(uri, "address", None)
    if isinstance(uri, Interpolation):  # ".../functions/${aws_lambda_function.f.arn}/invocations"
        parts = [p.address for p in uri.parts if isinstance(p, Computed)]
        address = next((a for a in parts if "aws_lambda_function." in a), None)
    if address in by_address:
        return by_address[address]
    if isinstance(uri, str):  # a literal ARN naming the function
        for key, function in ctx.stack.functions.items():
            if f":function:{function.function_name}" in uri:
                return key
    return None


def function_in(ctx: MapContext, values: Values, name: str) -> str | None:
    """The function an attribute points at: by its value, else — when a part of it is not
    known here (``${var.region}`` without a value) — by the function it references."""
    found = function_of(ctx, values.raw(name))
    attribute = values.body.attr(name)
    if found is not None or attribute is None:
        return found
    by_address: dict[str, str] = ctx.family("lambda.by_address", dict)
    found_module = _MODULE_PREFIX.match(values.address)
    module = found_module.group(0) if found_module else ""
    for reference in sorted(ast.references(attribute.expr)):
        parts = reference.split(".")
        if len(parts) >= 2 and parts[0] == "aws_lambda_function":
            base = f"{module}aws_lambda_function.{parts[1]}"
            keys = {k for a, k in by_address.items() if a == base or a.startswith(base + "[")}
            if len(keys) == 1:
                return keys.pop()
    return None


def _words(name: str) -> list[str]:
    return [
        w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1-\2", name).lower()) if w
    ]


def _verb(name: str) -> tuple[str, bool] | None:
    words = _words(name)
    for keywords, method, item in _VERBS:
        if any(w in keywords for w in words):
            return method, item
    return None


def _collection_and_item(paths: list[str], function_name: str) -> tuple[str, str | None]:
    """The collection path (``/items``) and its item path (``/items/{id}``) for a function."""
    collections = [p for p in paths if p != "/" and not p.rstrip("/").endswith("}")]
    words = set(_words(function_name))

    def score(path: str) -> int:
        leaf = path.rstrip("/").rsplit("/", 1)[-1].lower()
        return int(leaf in words or leaf.rstrip("s") in words or f"{leaf}s" in words)

    collection = max(collections, key=lambda p: (score(p), -len(p)), default="/")
    item = next(
        (
            p
            for p in paths
            if p.startswith(collection.rstrip("/") + "/{")
            and p.count("/") == collection.count("/") + 1
        ),
        None,
    )
    return collection, item


def infer_routes(
    ctx: MapContext, api_key: str, paths: dict[str, tuple[Origin, ...]]
) -> list[Route]:
    """Routes from function names when the Terraform declares no methods. ``paths``: the
    API's paths and the resources that form each one (they become the routes' sources)."""
    routes: list[Route] = []
    for key, function in sorted(ctx.stack.functions.items()):
        verb = _verb(function.function_name)
        if verb is None:
            continue
        method, wants_item = verb
        collection, item = _collection_and_item(sorted(paths), function.function_name)
        path = item if wants_item else collection
        if wants_item and item is None:
            path = collection.rstrip("/") + "/{id}"
        path = path or "/"
        sources = paths.get(path, paths.get(collection, ()))
        routes.append(
            Route(api_key, method, path, key, function.origin, inferred=True, sources=sources)
        )
    return _drop_duplicates(routes)


def _drop_duplicates(routes: list[Route]) -> list[Route]:
    seen: set[str] = set()
    out = []
    for route in routes:
        if route.route_key not in seen:
            seen.add(route.route_key)
            out.append(route)
    return out
