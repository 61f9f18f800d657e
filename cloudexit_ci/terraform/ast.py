"""A small, picklable expression tree for HCL, independent of lark.

The loader converts python-hcl2's lark parse tree into these records once per
file (they are what the parse cache stores); ``expressions.py`` evaluates them.
Every node keeps the source text it came from so an expression that cannot be
resolved is reported as the user wrote it, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Lit:
    value: str | int | float | bool | None


@dataclass(frozen=True)
class Template:
    """A quoted string or heredoc: literal parts and interpolated expressions."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True)
class Var:
    """A bare identifier: ``var``, ``each``, ``aws_s3_bucket``, a for-variable."""

    name: str


@dataclass(frozen=True)
class GetAttr:
    target: Expr
    name: str


@dataclass(frozen=True)
class GetIndex:
    target: Expr
    index: Expr


@dataclass(frozen=True)
class Splat:
    """``x[*].a`` / ``x.*.a``: apply ``steps`` to every element of ``target``."""

    target: Expr
    steps: tuple[str | Expr, ...]  # str = attribute name, Expr = index


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    expand_last: bool = False


@dataclass(frozen=True)
class TupleExpr:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ObjectExpr:
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Expr


@dataclass(frozen=True)
class Cond:
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class ForExpr:
    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # None for a tuple comprehension
    value: Expr
    condition: Expr | None
    grouping: bool = False


@dataclass(frozen=True)
class Unsupported:
    """Syntax we parse but do not evaluate (template directives)."""

    text: str


Expr: TypeAlias = (
    Lit
    | Template
    | Var
    | GetAttr
    | GetIndex
    | Splat
    | Call
    | TupleExpr
    | ObjectExpr
    | BinOp
    | Unary
    | Cond
    | ForExpr
    | Unsupported
)


@dataclass(frozen=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    text: str  # the source text of the expression


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass(frozen=True)
class Body:
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attr(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None

    def blocks_of(self, type_: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == type_)


@dataclass(frozen=True)
class ParsedFile:
    """One parsed ``.tf`` / ``.tf.json`` file: its top-level blocks and comments."""

    path: str  # repository-relative POSIX path
    blocks: tuple[Block, ...]
    lines: tuple[str, ...]  # the source lines, for inline directives in comments
    attributes: tuple[Attribute, ...] = ()  # top-level NAME = VALUE (tfvars files)


def references(expr: Expr) -> set[str]:
    """Dotted names an expression reads: ``var.x``, ``local.y``, ``aws_s3_bucket.b``."""
    found: set[str] = set()
    _walk_refs(expr, found)
    return found


def _walk_refs(expr: object, found: set[str]) -> None:
    if isinstance(expr, GetAttr):
        chain = _dotted(expr)
        if chain:
            found.add(chain)
    if isinstance(expr, Var):
        found.add(expr.name)
        return
    for value in vars(expr).values() if hasattr(expr, "__dataclass_fields__") else ():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, tuple):
                for sub in item:
                    _walk_refs(sub, found)
            elif hasattr(item, "__dataclass_fields__"):
                _walk_refs(item, found)


def _dotted(expr: GetAttr) -> str | None:
    if isinstance(expr.target, Var):
        return f"{expr.target.name}.{expr.name}"
    if isinstance(expr.target, GetAttr):
        inner = _dotted(expr.target)
        return f"{inner}.{expr.name}" if inner else None
    return None
