"""The one resolver: every ``Ref`` and ``Invoke`` of the IR becomes its self-hosted value.

Mappers leave references typed (``Ref(address, attribute)``) and export what
their resources' attributes are self-hosted (``stack.exports``). Here, once,
each reference becomes that value; a reference nothing exports becomes a
documented ``.env`` variable (named after its owner and key) and a note with
the owner's file:line: never Terraform text. Invoke URLs are known only once
functions were grouped into services, so they resolve in a second pass.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from cloudexit_ci.naming import env_name, looks_secret
from cloudexit_ci.stack import Dependency, EnvVar, ExtraFile, Origin, Stack
from cloudexit_ci.values import EnvRef, Invoke, Ref, Template, Value, concat, parts_of

SHIM_PORT = 8080
_MAX_DEPTH = 8


class _Owner:
    """Whose value is resolved: names the fallback variable and the note."""

    def __init__(self, stack: Stack, name: str, origin: Origin | None) -> None:
        self.stack = stack
        self.name = name
        self.origin = origin

    def fallback(self, key: str, ref: Ref) -> EnvRef:
        """One documented .env variable per unresolved reference, whoever reads it."""
        what = f"{ref.address}.{ref.attribute}"
        var = env_name(*_unprefixed(ref.address), ref.attribute)
        known = self.stack.env_vars.get(var)
        secret = looks_secret(key) or looks_secret(ref.attribute) or bool(known and known.secret)
        text = f"{what}: no self-hosted value; set what it should be here"
        origin = known.origin if known is not None else self.origin
        self.stack.env_vars[var] = EnvVar(var, text, origin, secret=secret)
        if self.origin is not None:
            note = f"{key}: {what} has no self-hosted value; set {var} in .env"
            self.stack.resource_notes.append((self.origin, note))
        return EnvRef(var)


def _unprefixed(address: str) -> list[str]:
    """``module.a.aws_qldb_ledger.main`` → ``["a", "qldb_ledger", "main"]`` (names only)."""
    parts = [p for p in address.replace('["', ".").replace('"]', "").split(".") if p]
    return [p.removeprefix("aws_") for p in parts if p not in ("module", "data")]


def resolve_functions(stack: Stack) -> None:
    """Pass 1 (before grouping): references in functions' and services' environments."""
    for key, function in sorted(stack.functions.items()):
        owner = _Owner(stack, key, function.origin)
        stack.functions[key] = replace(
            function, environment=_environment(function.environment, owner)
        )
    shared = _Owner(stack, "FUNCTIONS", None)
    stack.function_env = {
        name: _value(value, shared, name, 0) for name, value in stack.function_env.items()
    }


def resolve_services(stack: Stack) -> None:
    """Pass 2 (after grouping): everything left, invoke URLs and function dependencies."""
    service_of = {key: s.name for s in stack.services.values() for key in s.serves}
    urls = {
        key: f"http://{service}:{SHIM_PORT}/__cloudexit/invoke/"
        + quote(stack.functions[key].function_name, safe="")
        for key, service in service_of.items()
    }
    for name, service in sorted(stack.services.items()):
        owner = _Owner(stack, name, service.origins[0] if service.origins else None)
        environment = _environment(service.environment, owner, urls)
        depends = tuple(_dependency(d, service_of) for d in service.depends_on)
        stack.services[name] = replace(service, environment=environment, depends_on=depends)
    for path, item in sorted(stack.extra_files.items()):
        owner = _Owner(stack, path, None)
        stack.extra_files[path] = replace(item, data=_data(item, owner, urls))


def _environment(
    env: tuple[tuple[str, Value], ...], owner: _Owner, urls: dict[str, str] | None = None
) -> tuple[tuple[str, Value], ...]:
    return tuple((key, _value(value, owner, key, 0, urls)) for key, value in env)


def _value(
    value: Value, owner: _Owner, key: str, depth: int, urls: dict[str, str] | None = None
) -> Value:
    if isinstance(value, str | EnvRef):
        return value
    out: list[Value] = []
    for part in parts_of(value):
        if isinstance(part, Ref):
            found = owner.stack.exports.get((part.address, part.attribute))
            if found is None or depth >= _MAX_DEPTH:
                out.append(owner.fallback(key, part))
            else:
                out.append(_value(found, owner, key, depth + 1, urls))
        elif isinstance(part, Invoke) and urls is not None and part.function in urls:
            out.append(urls[part.function])
        else:
            out.append(part)
    return concat(*out)


def _dependency(dependency: Dependency, service_of: dict[str, str]) -> Dependency:
    if not dependency.on_function:
        return dependency
    service = service_of.get(dependency.service, dependency.service)
    return Dependency(service, dependency.condition)


def _data(item: ExtraFile, owner: _Owner, urls: dict[str, str]) -> Any:
    """JSON file data with every IR value inside resolved to plain text."""

    def walk(node: Any, key: str) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if isinstance(node, EnvRef | Ref | Invoke | Template):
            resolved = _value(node, owner, key, 0, urls)
            if not isinstance(resolved, str):
                raise AssertionError(f"{owner.name}: {key} needs .env, not possible in a file")
            return resolved
        return node

    return walk(item.data, "") if item.kind == "json" else item.data
