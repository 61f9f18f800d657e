"""``count`` and ``for_each`` on a resource or module call → its instances.

``count = 0``, an empty ``for_each`` (also through a conditional such as
``var.enabled ? 1 : 0`` or ``var.on ? toset(["x"]) : toset([])``) give no
instance at all. A value not known here gives one instance with an unknown key
(the expression is recorded as unresolved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.model import Values
from cloudexit_ci.terraform.typed import NOT_PLAIN, Unknown, depends_on, to_string


@dataclass(frozen=True)
class One:
    """One instance: its key (None, an index or a for_each key) and the names it adds."""

    key: str | int | None
    names: dict[str, Any] = field(default_factory=dict)  # "count" / "each" → object


@dataclass(frozen=True)
class Instance:
    """The instances of one block; ``repetition`` is "count", "for_each" or ""."""

    repetition: str
    items: tuple[One, ...]


def key_suffix(key: str | int | None) -> str:
    """``[0]`` / ``["k"]`` as Terraform writes an instance key in an address."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'["{escaped}"]'


def instances_of(meta: Values, block: ast.Block, file: str) -> Instance:
    """The instances ``block`` stands for (``meta`` evaluates its meta-arguments)."""
    if block.body.attr("for_each") is not None:
        return Instance("for_each", _for_each(meta, block, file))
    if block.body.attr("count") is not None:
        return Instance("count", _count(meta, block, file))
    return Instance("", (One(None),))


def _for_each(meta: Values, block: ast.Block, file: str) -> tuple[One, ...]:
    collection = meta.raw("for_each")
    if isinstance(collection, dict):
        return tuple(One(k, {"each": {"key": k, "value": v}}) for k, v in collection.items())
    if isinstance(collection, list) and all(_plain_key(v) for v in collection):
        keys = sorted({to_string(v) for v in collection})  # a set of strings
        return tuple(One(k, {"each": {"key": k, "value": k}}) for k in keys)
    if collection is None or not isinstance(collection, (list, *NOT_PLAIN)):
        raise _bad(block, file, "for_each", "a map, or a set of strings (toset([...]))")
    return (_unknown(meta, "for_each", collection, "each", {"value": collection}),)


def _count(meta: Values, block: ast.Block, file: str) -> tuple[One, ...]:
    count = meta.raw("count")
    if isinstance(count, str):
        try:
            count = float(count)
        except ValueError:
            raise _bad(block, file, "count", "a whole number") from None
    if isinstance(count, (int, float)) and not isinstance(count, bool):
        if count < 0 or not float(count).is_integer():
            raise _bad(block, file, "count", "a whole number ≥ 0")
        return tuple(One(i, {"count": {"index": i}}) for i in range(int(count)))
    if isinstance(count, NOT_PLAIN):
        return (_unknown(meta, "count", count, "count", {}),)
    raise _bad(block, file, "count", "a whole number")


def _plain_key(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _unknown(meta: Values, name: str, value: Any, scope: str, extra: dict[str, Any]) -> One:
    """One instance standing for instances not known here (recorded as unresolved)."""
    reason = f"{name}: {depends_on(value)}; loaded as one instance"
    if not isinstance(value, Unknown):
        meta.record(name, reason)
    key = "index" if scope == "count" else "key"
    return One(None, {scope: {key: Unknown(f"{scope}.{key}", reason), **extra}})


def _bad(block: ast.Block, file: str, name: str, expected: str) -> UserError:
    attribute = block.body.attr(name)
    line = attribute.line if attribute else block.line
    return UserError(
        f"{name} must be {expected}", where=f"{file}:{line}", hint=f"fix the {name} expression"
    )
