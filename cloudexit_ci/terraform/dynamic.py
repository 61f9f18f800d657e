"""``dynamic "NAME" { for_each = X  iterator = it  labels = [...]  content { ... } }``.

Expands to one ``NAME`` block per element of X (list, set, map or object), with
the iterator (default: NAME) holding ``.key`` and ``.value``. A dynamic block
inside ``content`` expands in turn when its parent's blocks are read. An
unknown ``for_each`` gives no blocks and is recorded as unresolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.typed import NOT_PLAIN, Unknown, depends_on, to_string

if TYPE_CHECKING:
    from cloudexit_ci.terraform.model import Values


def expand_dynamic(parent: Values, block: ast.Block) -> list[Values]:
    """The ``NAME`` blocks one ``dynamic "NAME"`` block of ``parent``'s body stands for."""
    name = block.labels[0]
    meta = parent.child(block.body, f"{parent.prefix}dynamic.{name}.")
    content = next(iter(block.body.blocks_of("content")), None)
    if content is None:
        raise UserError(
            f'dynamic "{name}" has no content block',
            where=f"{parent.file}:{block.line}",
            hint=f'add content {{ ... }} inside dynamic "{name}"',
        )
    pairs = _pairs(meta, block)
    iterator = _iterator(block, name, parent.file)
    out = []
    for key, value in pairs:
        evaluator = parent.evaluator.child({iterator: {"key": key, "value": value}})
        labels = _labels(meta.child(block.body, meta.prefix, evaluator=evaluator), block)
        if labels is None:
            continue
        out.append(
            parent.child(
                content.body, f"{parent.prefix}{name}.", evaluator=evaluator, labels=labels
            )
        )
    return out


def _pairs(meta: Values, block: ast.Block) -> list[tuple[Any, Any]]:
    if block.body.attr("for_each") is None:
        raise UserError(
            f'dynamic "{block.labels[0]}" has no for_each',
            where=f"{meta.file}:{block.line}",
            hint="add for_each = <a list, set or map>",
        )
    collection = meta.raw("for_each")  # an Unknown is recorded here
    if isinstance(collection, NOT_PLAIN):
        if not isinstance(collection, Unknown):
            meta.record("for_each", f"for_each: {depends_on(collection)}; no blocks generated")
        return []
    if isinstance(collection, dict):
        return sorted(collection.items())  # lexicographic key order, as HCL does
    if isinstance(collection, list):
        return list(enumerate(collection))
    meta.record("for_each", "for_each must be a list, set, map or object: no blocks generated")
    return []


def _iterator(block: ast.Block, name: str, file: str) -> str:
    attribute = block.body.attr("iterator")
    if attribute is None:
        return name
    if isinstance(attribute.expr, ast.Var):
        return attribute.expr.name
    raise UserError(
        "iterator must be a bare name",
        where=f"{file}:{attribute.line}",
        hint=f"iterator = {name}_item",
    )


def _labels(meta: Values, block: ast.Block) -> tuple[str, ...] | None:
    """The labels of one generated block (``meta`` evaluates with that element)."""
    if block.body.attr("labels") is None:
        return ()
    value = meta.raw("labels")
    if isinstance(value, list) and all(
        isinstance(v, (str, int, float, bool)) and v is not None for v in value
    ):
        return tuple(to_string(v) for v in value)
    meta.record("labels", "the labels are not known: the block is left out")
    return None
