"""Evaluate HCL expressions (``ast`` records) as far as they can be known.

A value is plain Python data, or ``Unknown`` (cannot be resolved before apply
or uses something we do not evaluate: it keeps the source text and a reason,
and is reported, never guessed), or ``Computed`` (a resource attribute only
known after apply, e.g. ``aws_lambda_function.x.arn``: mappers read its
address, and it renders as a stable placeholder).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cloudexit_ci.terraform import ast


@dataclass(frozen=True)
class Unknown:
    text: str
    reason: str

    def __str__(self) -> str:
        return f"${{{self.text}}}"


@dataclass(frozen=True)
class Computed:
    """An attribute only known after ``terraform apply``."""

    address: str
    attr: str

    def __str__(self) -> str:
        return f"${{{self.address}.{self.attr}}}"


class Traversable(Protocol):
    """A lazily resolved namespace: ``var``, ``local``, a resource, a module."""

    def get_attr(self, name: str) -> Any: ...


class Namespace:
    """A Traversable over a plain mapping, with a name for error messages."""

    def __init__(self, label: str, values: Mapping[str, Any] | Callable[[str], Any]) -> None:
        self.label = label
        self.values = values

    def get_attr(self, name: str) -> Any:
        if callable(self.values):
            return self.values(name)
        if name in self.values:
            return self.values[name]
        return Unknown(f"{self.label}.{name}", f"{self.label}.{name} is not defined")


def is_known(value: Any) -> bool:
    """True when ``value`` holds no Unknown/Computed anywhere inside."""
    if isinstance(value, (Unknown, Computed)):
        return False
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    return True


def first_unknown(value: Any) -> Unknown | Computed | None:
    if isinstance(value, (Unknown, Computed)):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = first_unknown(item)
        if found is not None:
            return found
    return None


class Evaluator:
    """Evaluates expressions against a root scope (name → value or Traversable)."""

    def __init__(self, scope: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.scope = scope
        self.functions = functions

    def child(self, extra: Mapping[str, Any]) -> Evaluator:
        return Evaluator({**self.scope, **extra}, self.functions)

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
        out: list[str] = []
        for part in expr.parts:
            value = part if isinstance(part, str) else self.eval(part)
            if isinstance(value, Unknown):
                return value
            out.append(to_string(value))
        return "".join(out)

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
        if isinstance(target, (Unknown, Computed)):
            return target
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
        if expr.expand_last and args and isinstance(args[-1], list):
            args = args[:-1] + args[-1]
        if expr.name not in ("try", "can", "coalesce") and any(
            isinstance(a, Unknown) for a in args
        ):
            return next(a for a in args if isinstance(a, Unknown))
        try:
            return func(*args)
        except Exception as exc:  # a Terraform function error: keep it an expression
            return Unknown(f"{expr.name}(...)", f"{expr.name}() failed: {exc}")

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
        if isinstance(value, (Unknown, Computed)):
            return value
        return (not to_bool(value)) if expr.op == "!" else -value

    def _e_Cond(self, expr: ast.Cond) -> Any:
        cond = self.eval(expr.cond)
        if isinstance(cond, (Unknown, Computed)):
            return Unknown("condition", f"the condition depends on {cond}")
        return self.eval(expr.then if to_bool(cond) else expr.other)

    def _e_ForExpr(self, expr: ast.ForExpr) -> Any:
        coll = self.eval(expr.collection)
        if isinstance(coll, (Unknown, Computed)):
            return coll
        pairs = list(coll.items()) if isinstance(coll, dict) else list(enumerate(coll or []))
        tuple_out: list[Any] = []
        obj_out: dict[str, Any] = {}
        for key, value in pairs:
            names = {expr.value_var: value}
            if expr.key_var:
                names[expr.key_var] = key
            inner = self.child(names)
            if expr.condition is not None and not inner.eval(expr.condition):
                continue
            if expr.key is None:
                tuple_out.append(inner.eval(expr.value))
                continue
            out_key = to_string(inner.eval(expr.key))
            out_value = inner.eval(expr.value)
            if expr.grouping:
                obj_out.setdefault(out_key, []).append(out_value)
            else:
                obj_out[out_key] = out_value
        return tuple_out if expr.key is None else obj_out


def _object_key(key_expr: ast.Expr, evaluator: Evaluator) -> Any:
    if isinstance(key_expr, ast.Var):
        return key_expr.name  # `{ name = 1 }`: a bare word is a literal key
    key = evaluator.eval(key_expr)
    return key if isinstance(key, Unknown) else to_string(key)


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, (Unknown, Computed)):
        return value
    if isinstance(value, dict):
        if name in value:
            return value[name]
        return Unknown(name, f"no attribute {name!r}")
    getter = getattr(value, "get_attr", None)
    if getter is not None:
        return getter(name)
    return Unknown(name, f"cannot read .{name} of {type(value).__name__}")


def get_index(value: Any, key: Any) -> Any:
    if isinstance(value, (Unknown, Computed)):
        return value
    if isinstance(key, (Unknown, Computed)):
        return Unknown(str(key), "index is unknown")
    if isinstance(value, list) and isinstance(key, (int, float)) and 0 <= int(key) < len(value):
        return value[int(key)]
    if isinstance(value, dict) and to_string(key) in value:
        return value[to_string(key)]
    getter = getattr(value, "get_index", None)
    if getter is not None:
        return getter(key)
    return Unknown(f"[{key!r}]", f"index {key!r} not found")


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_bool(value: Any) -> bool:
    """Terraform's conversion to bool: the strings "true"/"false" (a ``--var``) convert."""
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return bool(value)


def _number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, str):
        return float(value) if "." in value else int(value)
    if isinstance(value, (int, float)):
        return value
    raise TypeError(f"{value!r} is not a number")


def binary(op: str, left: Any, right: Any) -> Any:
    for side in (left, right):
        if isinstance(side, (Unknown, Computed)):
            return Unknown(f"... {op} ...", f"an operand depends on {side}")
    if op == "&&":
        return to_bool(left) and to_bool(right)
    if op == "||":
        return to_bool(left) or to_bool(right)
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    a, b = _number(left), _number(right)
    ops: dict[str, Callable[[Any, Any], Any]] = {
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
    result = ops[op](a, b)
    if isinstance(result, float) and result.is_integer() and op != "/":
        return int(result)
    return result
