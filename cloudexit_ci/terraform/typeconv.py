"""A variable's value converted to its declared ``type``, as Terraform converts it.

``"2"`` becomes 2 for ``number``, ``"true"`` true for ``bool``, numbers and bools
become strings for ``string``; an ``object({...})`` gets its ``optional(T, default)``
attributes filled (null without a default) and loses attributes it does not
declare. Values that are not plain data (Unknown, Computed, …) and values that do
not fit are left as they are.
"""

from __future__ import annotations

from typing import Any

from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Evaluator
from cloudexit_ci.terraform.functions import PURE
from cloudexit_ci.terraform.typed import NOT_PLAIN, to_string

_MISSING = object()


def convert(value: Any, type_expr: ast.Expr | None) -> Any:
    """``value`` converted to the type ``type_expr`` describes (None: any type)."""
    if type_expr is None or value is None or isinstance(value, NOT_PLAIN):
        return value
    if isinstance(type_expr, ast.Var):
        return _primitive(value, type_expr.name)
    if isinstance(type_expr, ast.Call) and type_expr.args:
        return _collection(value, type_expr.name, type_expr.args[0])
    return value


def _primitive(value: Any, name: str) -> Any:
    if name == "string" and isinstance(value, (bool, int, float)):
        return to_string(value)
    if name == "number" and isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    if name == "bool" and value in ("true", "false"):
        return value == "true"
    return value


def _collection(value: Any, kind: str, inner: ast.Expr) -> Any:
    if kind in ("list", "set") and isinstance(value, list):
        items = [convert(v, inner) for v in value]
        return _as_set(items) if kind == "set" else items
    if kind == "map" and isinstance(value, dict):
        return {k: convert(v, inner) for k, v in value.items()}
    if kind == "object" and isinstance(value, dict) and isinstance(inner, ast.ObjectExpr):
        return _object(value, inner)
    if kind == "tuple" and isinstance(value, list) and isinstance(inner, ast.TupleExpr):
        if len(inner.items) != len(value):
            return value
        return [convert(v, t) for v, t in zip(value, inner.items, strict=True)]
    return value


def _as_set(items: list[Any]) -> list[Any]:
    distinct: list[Any] = []
    for item in items:
        if item not in distinct:
            distinct.append(item)
    if all(isinstance(v, str) for v in distinct):
        return sorted(distinct)
    return distinct


def _object(value: dict[str, Any], shape: ast.ObjectExpr) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_expr, type_expr in shape.items:
        name = _attribute_name(key_expr)
        if name is None:
            return value  # a shape we do not read: keep the value as given
        item = value.get(name, _MISSING)
        if isinstance(type_expr, ast.Call) and type_expr.name == "optional" and type_expr.args:
            if item is _MISSING or item is None:
                item = _default(type_expr)
            out[name] = convert(item, type_expr.args[0])
        elif item is not _MISSING:
            out[name] = convert(item, type_expr)
    return out


def _attribute_name(key_expr: ast.Expr) -> str | None:
    if isinstance(key_expr, ast.Var):
        return key_expr.name
    if isinstance(key_expr, ast.Template) and all(isinstance(p, str) for p in key_expr.parts):
        return "".join(str(p) for p in key_expr.parts)
    if isinstance(key_expr, ast.Lit) and isinstance(key_expr.value, str):
        return key_expr.value
    return None


def _default(optional: ast.Call) -> Any:
    """The literal default of ``optional(T, default)`` (None without one)."""
    if len(optional.args) < 2:
        return None
    return Evaluator({}, PURE).eval(optional.args[1])  # a constant expression
