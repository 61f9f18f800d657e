"""Parse one Terraform file (HCL or JSON) into ``ast`` records, with line numbers.

python-hcl2's grammar does the parsing; we walk its lark tree directly (its
dict output has no line numbers and re-serialises every expression as a
string). The lark parser is built once per process and cached on disk in the
user's cache directory, so a read-only site-packages does not cost ~2 s a run.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.cachedir import cache_dir
from cloudexit_ci.terraform.templates import Piece, merge_literals, split_template, unescape

_HEREDOC_END_BLANKS = re.compile(r"(?m)^([ \t]*[A-Za-z][A-Za-z0-9._-]*)[ \t]+$")
_BINARY_OPS = {"==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"}


@functools.lru_cache(maxsize=1)
def parser() -> Lark:
    """python-hcl2's LALR parser, with its lark cache kept in the user cache dir."""
    import hcl2
    from hcl2.postlexer import PostLexer

    version = getattr(hcl2, "__version__", "0")
    cache = cache_dir() / f"hcl2-{version}.lark"
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache_arg: str | bool = str(cache)
    except OSError:
        cache_arg = False
    return Lark.open(
        "hcl2.lark",
        parser="lalr",
        cache=cache_arg,
        rel_to=hcl2.__file__,
        propagate_positions=True,
        postlex=PostLexer(),
    )


def parse_text(text: str, path: str) -> ast.ParsedFile:
    """Parse HCL text; raise UserError naming ``path:line`` on a syntax error."""
    fixed = _HEREDOC_END_BLANKS.sub(r"\1", text) if "<<" in text else text
    if not fixed.endswith("\n"):
        fixed += "\n"
    try:
        tree = parser().parse(fixed)
    except UnexpectedInput as exc:
        line = getattr(exc, "line", 0) or 0
        raise UserError(
            f"invalid HCL syntax near {_near(fixed, exc)!r}",
            where=f"{path}:{line}",
            hint="fix the syntax (`terraform fmt` / `terraform validate` show it too)",
        ) from None
    except LarkError as exc:
        raise UserError(f"invalid HCL: {exc}", where=f"{path}:1", hint="fix the syntax") from None
    body = _Converter(fixed).body(_tree(tree.children[0]))
    return ast.ParsedFile(path, body.blocks, tuple(text.splitlines()), body.attributes)


def _near(text: str, exc: UnexpectedInput) -> str:
    pos = getattr(exc, "pos_in_stream", None)
    if isinstance(pos, int) and pos >= 0:
        return text[pos : pos + 20].split("\n")[0]
    return ""


def parse_expression(text: str, path: str, line: int) -> ast.Expr:
    """Parse a lone expression (used for JSON syntax and heredoc templates)."""
    try:
        tree = parser().parse(f"__x = {text}\n")
    except LarkError:
        raise UserError(
            f"invalid expression {text[:40]!r}", where=f"{path}:{line}", hint="fix the expression"
        ) from None
    attr = _tree(_tree(tree.children[0]).children[0])
    return _Converter(text, line_offset=line - 1).expr(_children(attr)[-1])


def template_from_text(text: str, path: str, line: int) -> ast.Expr:
    """A template body (heredoc or JSON string) → Template of literals and expressions."""
    parts: list[str | ast.Expr] = []
    for piece in split_template(text):
        parts.append(piece if isinstance(piece, str) else _piece_expr(piece, path, line))
    return ast.Template(merge_literals(parts))


def _piece_expr(piece: Piece, path: str, line: int) -> ast.Expr:
    if piece.directive:
        return ast.Unsupported(piece.raw)
    return parse_expression(piece.inner, path, line + piece.line_offset)


def _tree(node: Any) -> Tree[Any]:
    if not isinstance(node, Tree):
        raise TypeError(f"expected a parse tree, got {node!r}")
    return node


def _children(tree: Tree[Any]) -> list[Any]:
    """Children without punctuation tokens and newline/comment nodes."""
    out = []
    for child in tree.children:
        if isinstance(child, Tree) and child.data == "new_line_or_comment":
            continue
        if isinstance(child, Token) and child.type not in ("NAME", "INT_LITERAL"):
            continue
        out.append(child)
    return out


class _Converter:
    """lark tree → ast records."""

    def __init__(self, source: str, line_offset: int = 0) -> None:
        self.source = source
        self.offset = line_offset

    def _line(self, tree: Tree[Any]) -> int:
        return int(getattr(tree.meta, "line", 1)) + self.offset

    def _text(self, tree: Tree[Any]) -> str:
        meta = tree.meta
        start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
        if start is None or end is None:
            return ""
        return self.source[start:end]

    def body(self, tree: Tree[Any]) -> ast.Body:
        attributes: list[ast.Attribute] = []
        blocks: list[ast.Block] = []
        for child in _children(tree):
            if child.data == "attribute":
                attributes.append(self.attribute(child))
            elif child.data == "block":
                blocks.append(self.block(child))
        return ast.Body(tuple(attributes), tuple(blocks))

    def attribute(self, tree: Tree[Any]) -> ast.Attribute:
        kids = _children(tree)
        name = self.name(kids[0])
        expr_tree = kids[-1]
        return ast.Attribute(name, self.expr(expr_tree), self._line(tree), self._text(expr_tree))

    def block(self, tree: Tree[Any]) -> ast.Block:
        kids = _children(tree)
        body_tree = kids[-1]
        labels = tuple(self.label(k) for k in kids[1:-1])
        end = int(getattr(tree.meta, "end_line", self._line(tree))) + self.offset
        return ast.Block(self.name(kids[0]), labels, self.body(body_tree), self._line(tree), end)

    def name(self, node: Any) -> str:
        if isinstance(node, Token):
            return str(node)
        return str(node.children[0])

    def label(self, node: Tree[Any]) -> str:
        if node.data == "string":
            value = self.expr(node)
            if isinstance(value, ast.Template) and all(isinstance(p, str) for p in value.parts):
                return "".join(str(p) for p in value.parts)
            return self._text(node).strip('"')
        return self.name(node)

    def expr(self, node: Any) -> ast.Expr:
        if isinstance(node, Token):
            return ast.Lit(str(node))
        handler = getattr(self, f"_x_{node.data}", None)
        if handler is None:
            return ast.Unsupported(self._text(node))
        result: ast.Expr = handler(node)
        return result

    # -- terms --------------------------------------------------------------
    def _x_expr_term(self, node: Tree[Any]) -> ast.Expr:
        kids = _children(node)
        return self.expr(kids[0])

    def _x_identifier(self, node: Tree[Any]) -> ast.Expr:
        return ast.Var(str(node.children[0]))

    def _x_keyword(self, node: Tree[Any]) -> ast.Expr:
        return ast.Var(str(node.children[0]))

    def _x_literal_value(self, node: Tree[Any]) -> ast.Expr:
        word = str(node.children[0])
        return ast.Lit({"true": True, "false": False, "null": None}[word])

    def _x_int_lit(self, node: Tree[Any]) -> ast.Expr:
        return ast.Lit(int(str(node.children[0])))

    def _x_float_lit(self, node: Tree[Any]) -> ast.Expr:
        return ast.Lit(float(str(node.children[0])))

    def _x_string(self, node: Tree[Any]) -> ast.Expr:
        parts: list[str | ast.Expr] = []
        for part in node.children:
            if isinstance(part, Token):
                continue  # the quotes
            parts.extend(self._string_part(part))
        return ast.Template(merge_literals(parts))

    def _string_part(self, part: Tree[Any]) -> list[str | ast.Expr]:
        child = part.children[0]
        if isinstance(child, Token):
            raw = str(child)
            if child.type == "ESCAPED_INTERPOLATION":
                return ["$" + raw[2:]]
            if child.type == "ESCAPED_DIRECTIVE":
                return ["%" + raw[2:]]
            return [unescape(raw)]
        if child.data == "interpolation":
            return [self.expr(_children(child)[0])]
        return [ast.Unsupported(self._text(part))]

    def _x_template_string(self, node: Tree[Any]) -> ast.Expr:
        return ast.Lit(unescape(str(node.children[0])[2:-2]))

    def _x_heredoc_template(self, node: Tree[Any]) -> ast.Expr:
        return self._heredoc(str(node.children[0]), trim=False, line=self._line(node))

    def _x_heredoc_template_trim(self, node: Tree[Any]) -> ast.Expr:
        return self._heredoc(str(node.children[0]), trim=True, line=self._line(node))

    def _heredoc(self, raw: str, *, trim: bool, line: int) -> ast.Expr:
        lines = raw.split("\n")
        body_lines = lines[1:-2]  # drop "<<EOT" and the terminator (+ trailing "")
        if trim:
            indent = min(
                (len(x) - len(x.lstrip(" \t")) for x in body_lines if x.strip()), default=0
            )
            body_lines = [x[indent:] for x in body_lines]
        body = "".join(x + "\n" for x in body_lines)
        return template_from_text(body, path="", line=line + 1)

    def _x_tuple(self, node: Tree[Any]) -> ast.Expr:
        return ast.TupleExpr(tuple(self.expr(k) for k in _children(node)))

    def _x_object(self, node: Tree[Any]) -> ast.Expr:
        items = []
        for elem in _children(node):
            key_node, value_node = _children(elem)[0], _children(elem)[-1]
            key = self.expr(_children(key_node)[0])
            items.append((key, self.expr(value_node)))
        return ast.ObjectExpr(tuple(items))

    def _x_function_call(self, node: Tree[Any]) -> ast.Expr:
        kids = _children(node)
        names = [self.name(k) for k in kids if isinstance(k, Tree) and k.data == "identifier"]
        args_node = next((k for k in kids if isinstance(k, Tree) and k.data == "arguments"), None)
        args: tuple[ast.Expr, ...] = ()
        expand = False
        if args_node is not None:
            args = tuple(self.expr(a) for a in _children(args_node))
            expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in args_node.children)
        return ast.Call("::".join(names), args, expand)

    # -- traversals -----------------------------------------------------------
    def _x_get_attr_expr_term(self, node: Tree[Any]) -> ast.Expr:
        target, get_attr = _children(node)
        return ast.GetAttr(self.expr(target), self.name(_children(get_attr)[0]))

    def _x_index_expr_term(self, node: Tree[Any]) -> ast.Expr:
        target, index = _children(node)
        return ast.GetIndex(self.expr(target), self._index(index))

    def _index(self, index: Tree[Any]) -> ast.Expr:
        if index.data == "short_index":
            return ast.Lit(int(str(_children(index)[0])))
        return self.expr(_children(index)[0])

    def _x_attr_splat_expr_term(self, node: Tree[Any]) -> ast.Expr:
        return self._splat(node)

    def _x_full_splat_expr_term(self, node: Tree[Any]) -> ast.Expr:
        return self._splat(node)

    def _splat(self, node: Tree[Any]) -> ast.Expr:
        target, splat = _children(node)
        steps: list[str | ast.Expr] = []
        for step in _children(splat):
            if step.data == "get_attr":
                steps.append(self.name(_children(step)[0]))
            else:
                steps.append(self._index(step))
        return ast.Splat(self.expr(target), tuple(steps))

    # -- operators ------------------------------------------------------------
    def _x_binary_op(self, node: Tree[Any]) -> ast.Expr:
        left, term = _children(node)[:2]
        op_node, right = _children(term)
        op = str(op_node.children[0])
        if op not in _BINARY_OPS:
            return ast.Unsupported(self._text(node))
        return ast.BinOp(op, self.expr(left), self.expr(right))

    def _x_unary_op(self, node: Tree[Any]) -> ast.Expr:
        op = next(str(t) for t in node.children if isinstance(t, Token))
        return ast.Unary(op, self.expr(_children(node)[0]))

    def _x_conditional(self, node: Tree[Any]) -> ast.Expr:
        cond, then, other = _children(node)
        return ast.Cond(self.expr(cond), self.expr(then), self.expr(other))

    def _x_for_tuple_expr(self, node: Tree[Any]) -> ast.Expr:
        return self._for(node, is_object=False)

    def _x_for_object_expr(self, node: Tree[Any]) -> ast.Expr:
        return self._for(node, is_object=True)

    def _for(self, node: Tree[Any], *, is_object: bool) -> ast.Expr:
        trees = [k for k in _children(node) if isinstance(k, Tree)]
        intro, rest = trees[0], trees[1:]
        intro_kids = [k for k in _children(intro) if isinstance(k, Tree)]
        names = [self.name(k) for k in intro_kids if k.data == "identifier"]
        collection = self.expr(intro_kids[-1])
        condition = None
        if rest and rest[-1].data == "for_cond":
            condition = self.expr(next(k for k in _children(rest[-1]) if isinstance(k, Tree)))
            rest = rest[:-1]
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        key = self.expr(rest[0]) if is_object else None
        value = self.expr(rest[-1])
        return ast.ForExpr(key_var, value_var, collection, key, value, condition, grouping)
