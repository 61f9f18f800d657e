"""Terraform's JSON syntax (``.tf.json``) → the same ``ast`` records as HCL.

Without provider schemas JSON cannot tell a nested block from a map attribute,
so nested objects stay attributes; the model's ``blocks()`` accessor reads both.
Strings are templates (``"${var.x}"``) exactly as in HCL.
"""

from __future__ import annotations

import json
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.parse import template_from_text

# block type → number of labels it takes in JSON nesting
_LABELS = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
}


class _Lines:
    """Approximate line numbers: the first occurrence of a key after a position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def line_of(self, key: str) -> int:
        found = self.text.find(f'"{key}"', self.pos)
        if found < 0:
            return self.text.count("\n", 0, self.pos) + 1
        self.pos = found
        return self.text.count("\n", 0, found) + 1


def parse_json_text(text: str, path: str) -> ast.ParsedFile:
    """Terraform JSON syntax → the same records (lines from a decoding pass)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}", hint="fix the JSON syntax"
        ) from None
    if not isinstance(data, dict):
        raise UserError("a .tf.json file must hold an object", where=f"{path}:1")
    return ast.ParsedFile(path, json_blocks(data, text, path), tuple(text.splitlines()))


def json_blocks(data: dict[str, Any], text: str, path: str) -> tuple[ast.Block, ...]:
    lines = _Lines(text)
    blocks: list[ast.Block] = []
    for block_type, content in data.items():
        if block_type.startswith("//"):
            continue
        depth = _LABELS.get(block_type, 0)
        for item in content if isinstance(content, list) else [content]:
            blocks.extend(_labelled(block_type, item, depth, (), lines, path))
    return tuple(blocks)


def _labelled(
    block_type: str,
    value: Any,
    depth: int,
    labels: tuple[str, ...],
    lines: _Lines,
    path: str,
) -> list[ast.Block]:
    if depth == 0:
        line = lines.line_of(labels[-1]) if labels else lines.line_of(block_type)
        bodies = value if isinstance(value, list) else [value]
        return [ast.Block(block_type, labels, _body(b, lines, path), line, line) for b in bodies]
    out: list[ast.Block] = []
    if isinstance(value, dict):
        for label, inner in value.items():
            out.extend(_labelled(block_type, inner, depth - 1, (*labels, label), lines, path))
    return out


def _body(value: Any, lines: _Lines, path: str) -> ast.Body:
    if not isinstance(value, dict):
        return ast.Body((), ())
    attributes = []
    for key, item in value.items():
        if key.startswith("//"):
            continue
        line = lines.line_of(key)
        attributes.append(ast.Attribute(key, _expr(item, path, line), line, _short(item)))
    return ast.Body(tuple(attributes), ())


def _short(value: Any) -> str:
    return json.dumps(value)[:200]


def _expr(value: Any, path: str, line: int) -> ast.Expr:
    if isinstance(value, str):
        if "${" in value or "%{" in value:
            return template_from_text(value, path, line)
        return ast.Template((value,)) if value else ast.Template(())
    if isinstance(value, list):
        return ast.TupleExpr(tuple(_expr(v, path, line) for v in value))
    if isinstance(value, dict):
        return ast.ObjectExpr(
            tuple((ast.Lit(str(k)), _expr(v, path, line)) for k, v in value.items())
        )
    if value is None or isinstance(value, (bool, int, float)):
        return ast.Lit(value)
    return ast.Lit(str(value))
