"""Evaluate HCL expressions (``ast`` records) as far as they can be known.

A value is plain Python data or one of the typed values of ``typed``
(re-exported here): ``Unknown`` (reported, never guessed), ``Computed`` (a
resource attribute known after apply, with its path), ``Sensitive`` (a
``sensitive = true`` variable) and ``Interpolation`` (a template mixing text with
Computed/Sensitive parts). Evaluation never produces Terraform text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.typed import (
    DEFERRED,
    NOT_PLAIN,
    Computed,
    Deferred,
    Interpolation,
    Namespace,
    NotPlain,
    Sensitive,
    Traversable,
    Unknown,
    depends_on,
    first_unknown,
    get_attr,
    get_index,
    interpolate,
    is_known,
    path_text,
    to_bool,
    to_string,
)


class Evaluator:
    """Evaluates expressions against a root scope (name → value or Traversable)."""

    def __init__(self, scope: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.scope = scope
        self.functions = functions

    def child(self, extra: Mapping[str, Any]) -> Evaluator:
        return Evaluator(_Layered(extra, self.scope), self.functions)

    def eval(self, expr: ast.Expr) -> Any:
        method: Callable[[Any], Any] = getattr(self, f"_e_{type(expr).__name__}")
        return method(expr)

    def _e_Lit(self, expr: ast.Lit) -> Any:
        return expr.value

    def _e_Unsupported(self, expr: ast.Unsupported) -> Any:
        return Unknown(expr.text, "template directives are not evaluated")

    def _e_Template(self, expr: ast.Template) -> Any:
        if len(expr.parts) == 1 and not isinstance(expr.parts[0], str):
            return self.eval(expr.parts[0])  # "${x}" keeps x's type, as Terraform does
        parts: list[Any] = []
        for part in expr.parts:
            value = part if isinstance(part, str) else self.eval(part)
            piece = template_part(value)
            if isinstance(piece, Unknown):
                return piece
            parts.append(piece)
        return interpolate(parts)

    def _e_Var(self, expr: ast.Var) -> Any:
        if expr.name in self.scope:
            return self.scope[expr.name]
        return Unknown(expr.name, f"`{expr.name}` is not defined here")

    def _e_GetAttr(self, expr: ast.GetAttr) -> Any:
        return get_attr(self.eval(expr.target), expr.name)

    def _e_GetIndex(self, expr: ast.GetIndex) -> Any:
        return get_index(self.eval(expr.target), self.eval(expr.index))

    def _e_Splat(self, expr: ast.Splat) -> Any:
        target = self.eval(expr.target)
        if isinstance(target, NOT_PLAIN):
            return Unknown("[*]", depends_on(target))
        items = list(target.values()) if isinstance(target, dict) else target
        if not isinstance(items, list):
            items = [] if items is None else [items]
        out = []
        for item in items:
            for step in expr.steps:
                item = (
                    get_attr(item, step)
                    if isinstance(step, str)
                    else get_index(item, self.eval(step))
                )
            out.append(item)
        return out

    def _e_Call(self, expr: ast.Call) -> Any:
        func = self.functions.get(expr.name)
        if func is None:
            return Unknown(f"{expr.name}(...)", f"function {expr.name}() is not evaluated")
        args = [self.eval(a) for a in expr.args]
        if expr.expand_last and args:
            if not isinstance(args[-1], list):
                return Unknown(f"{expr.name}(...)", "the expanded argument is not a list", True)
            args = args[:-1] + args[-1]
        try:
            return func(*args)
        except Exception as exc:  # a Terraform function error: keep it an expression
            return Unknown(f"{expr.name}(...)", f"{expr.name}() failed: {exc}", error=True)

    def _e_TupleExpr(self, expr: ast.TupleExpr) -> Any:
        return [self.eval(i) for i in expr.items]

    def _e_ObjectExpr(self, expr: ast.ObjectExpr) -> Any:
        out: dict[str, Any] = {}
        for key_expr, value_expr in expr.items:
            key = _object_key(key_expr, self)
            if isinstance(key, Unknown):
                return key
            out[key] = self.eval(value_expr)
        return out

    def _e_BinOp(self, expr: ast.BinOp) -> Any:
        left, right = self.eval(expr.left), self.eval(expr.right)
        return binary(expr.op, left, right)

    def _e_Unary(self, expr: ast.Unary) -> Any:
        value = self.eval(expr.operand)
        if isinstance(value, NOT_PLAIN):
            return Unknown(f"{expr.op}...", depends_on(value))
        try:
            return (not to_bool(value)) if expr.op == "!" else -_number(value)
        except (TypeError, ValueError) as exc:
            return Unknown(f"{expr.op}...", str(exc), error=True)

    def _e_Cond(self, expr: ast.Cond) -> Any:
        cond = self.eval(expr.cond)
        if isinstance(cond, NOT_PLAIN):
            return Unknown("condition", depends_on(cond))
        return self.eval(expr.then if to_bool(cond) else expr.other)

    def _e_ForExpr(self, expr: ast.ForExpr) -> Any:
        coll = self.eval(expr.collection)
        if isinstance(coll, NOT_PLAIN):
            return Unknown("for ...", depends_on(coll))
        if not isinstance(coll, (dict, list)):
            return Unknown("for ...", "a for expression needs a list, set or map", error=True)
        # maps and objects are visited in lexicographic key order, as HCL does
        pairs = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll))
        tuple_out: list[Any] = []
        obj_out: dict[str, Any] = {}
        for key, value in pairs:
            names = {expr.value_var: value}
            if expr.key_var:
                names[expr.key_var] = key
            inner = self.child(names)
            if expr.condition is not None:
                keep = inner.eval(expr.condition)
                if isinstance(keep, NOT_PLAIN):
                    return Unknown("for ... if", depends_on(keep))
                if not to_bool(keep):
                    continue
            if expr.key is None:
                tuple_out.append(inner.eval(expr.value))
                continue
            out_key = _object_key(expr.key, inner, bare_is_literal=False)
            if isinstance(out_key, Unknown):
                return out_key
            out_value = inner.eval(expr.value)
            if expr.grouping:
                obj_out.setdefault(out_key, []).append(out_value)
            else:
                obj_out[out_key] = out_value
        return tuple_out if expr.key is None else obj_out


class _Layered(Mapping[str, Any]):
    """``extra`` names over a parent scope, without copying it (scopes may be lazy)."""

    def __init__(self, extra: Mapping[str, Any], parent: Mapping[str, Any]) -> None:
        self.extra = extra
        self.parent = parent

    def __getitem__(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        return self.parent[name]

    def __contains__(self, name: object) -> bool:
        return name in self.extra or name in self.parent

    def __iter__(self) -> Any:
        return iter({*self.extra, *self.parent})

    def __len__(self) -> int:
        return len({*self.extra, *self.parent})


def template_part(value: Any) -> str | Deferred | Unknown:
    """One interpolated value of a string template: text, a deferred part, or Unknown."""
    if isinstance(value, (Unknown, *DEFERRED)):
        return value
    if value is None:
        return Unknown("${null}", "a null value cannot be part of a string template", True)
    try:
        return to_string(value)
    except TypeError as exc:
        return Unknown("${...}", f"cannot be part of a string template: {exc}", error=True)


def _object_key(key_expr: ast.Expr, evaluator: Evaluator, bare_is_literal: bool = True) -> Any:
    if bare_is_literal and isinstance(key_expr, ast.Var):
        return key_expr.name  # `{ name = 1 }`: a bare word is a literal key
    key = evaluator.eval(key_expr)
    if isinstance(key, NOT_PLAIN):
        return Unknown("{...}", depends_on(key))
    if key is None or isinstance(key, (dict, list)):
        return Unknown("{...}", "an object key must be a string", error=True)
    return to_string(key)


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, str):
        return float(value) if any(c in value for c in ".eE") else int(value)
    if isinstance(value, (int, float)):
        return value
    raise TypeError(f"{value!r} is not a number")


_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "%": lambda x, y: x % y,
    "<": lambda x, y: x < y,
    ">": lambda x, y: x > y,
    "<=": lambda x, y: x <= y,
    ">=": lambda x, y: x >= y,
}


def binary(op: str, left: Any, right: Any) -> Any:
    """``left op right``; Unknown when an operand is not plain or the types do not fit."""
    if op in ("==", "!=") and None in (left, right):
        other = right if left is None else left
        if isinstance(other, (Computed, Interpolation)):  # an attribute after apply: not null
            return op == "!="
    for side in (left, right):
        if isinstance(side, NOT_PLAIN):
            return Unknown(f"... {op} ...", depends_on(side))
    if op == "&&":
        return to_bool(left) and to_bool(right)
    if op == "||":
        return to_bool(left) or to_bool(right)
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    try:
        a, b = _number(left), _number(right)
        result = _ARITHMETIC[op](a, b)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        return Unknown(f"... {op} ...", f"cannot compute {op}: {exc}", error=True)
    if isinstance(result, float) and result.is_integer() and op != "/":
        return int(result)
    return result


__all__ = [
    "Computed",
    "Deferred",
    "Evaluator",
    "Interpolation",
    "Namespace",
    "NotPlain",
    "Sensitive",
    "Traversable",
    "Unknown",
    "binary",
    "depends_on",
    "first_unknown",
    "get_attr",
    "get_index",
    "interpolate",
    "is_known",
    "path_text",
    "template_part",
    "to_bool",
    "to_string",
]
