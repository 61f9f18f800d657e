"""The loaded Terraform configuration as mappers see it.

``Resource`` is one resource *instance* (after ``count``/``for_each``
expansion) with its address, file and line; its attributes are evaluated on
demand and every value that cannot be resolved is recorded in ``Diagnostics``
with its file:line, so it is reported rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cloudexit_ci.stack import Origin
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Computed, Evaluator, Unknown, first_unknown


@dataclass(frozen=True)
class Unresolved:
    """An expression kept as written because it cannot be known before apply."""

    address: str
    attribute: str
    text: str
    reason: str
    file: str
    line: int


@dataclass
class Diagnostics:
    unresolved: list[Unresolved] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file:line, message)

    def add_unresolved(self, item: Unresolved) -> None:
        if item not in self.unresolved:
            self.unresolved.append(item)


class Values:
    """Evaluated view of a block body: attributes, nested blocks, unknowns recorded."""

    def __init__(
        self,
        body: ast.Body,
        evaluator: Evaluator,
        *,
        address: str,
        file: str,
        diagnostics: Diagnostics,
        prefix: str = "",
    ) -> None:
        self.body = body
        self.evaluator = evaluator
        self.address = address
        self.file = file
        self.diagnostics = diagnostics
        self.prefix = prefix
        self._cache: dict[str, Any] = {}

    def has(self, name: str) -> bool:
        return self.body.attr(name) is not None or bool(self.body.blocks_of(name))

    def line_of(self, name: str) -> int | None:
        attribute = self.body.attr(name)
        if attribute is not None:
            return attribute.line
        blocks = self.body.blocks_of(name)
        return blocks[0].line if blocks else None

    def raw(self, name: str, default: Any = None) -> Any:
        """The value, which may be Unknown/Computed (recorded as unresolved)."""
        if name in self._cache:
            return self._cache[name]
        attribute = self.body.attr(name)
        if attribute is None:
            return default
        value = self.evaluator.eval(attribute.expr)
        missing = first_unknown(value)
        if isinstance(missing, Unknown):
            self.diagnostics.add_unresolved(
                Unresolved(
                    self.address,
                    self.prefix + name,
                    attribute.text.strip(),
                    missing.reason,
                    self.file,
                    attribute.line,
                )
            )
        self._cache[name] = value
        return value

    def get(self, name: str, default: Any = None) -> Any:
        """The value if fully known, else ``default`` (the unknown is recorded)."""
        value = self.raw(name, default)
        return default if first_unknown(value) is not None else value

    def string(self, name: str, default: str = "") -> str:
        value = self.get(name, None)
        if value is None or isinstance(value, (dict, list)):
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str, default: int) -> int:
        value = self.get(name, None)
        try:
            return int(value) if value is not None and not isinstance(value, bool) else default
        except (TypeError, ValueError):
            return default

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.get(name, None)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        return default

    def ref(self, name: str) -> str | None:
        """The address a reference attribute points at (``x = aws_a.b.id`` → ``aws_a.b``)."""
        value = self.raw(name)
        if isinstance(value, Computed):
            return value.address
        return None

    def blocks(self, name: str) -> list[Values]:
        """Nested blocks (HCL) or object/list-of-object attributes (JSON syntax)."""
        found = [
            Values(
                b.body,
                self.evaluator,
                address=self.address,
                file=self.file,
                diagnostics=self.diagnostics,
                prefix=f"{self.prefix}{name}.",
            )
            for b in self.body.blocks_of(name)
        ]
        if found or self.body.attr(name) is None:
            return found
        value = self.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        return [self._from_dict(name, item) for item in items if isinstance(item, dict)]

    def block(self, name: str) -> Values | None:
        found = self.blocks(name)
        return found[0] if found else None

    def _from_dict(self, name: str, data: dict[str, Any]) -> Values:
        attrs = tuple(ast.Attribute(k, _literal(v), 0, "") for k, v in data.items())
        return Values(
            ast.Body(attrs, ()),
            self.evaluator,
            address=self.address,
            file=self.file,
            diagnostics=self.diagnostics,
            prefix=f"{self.prefix}{name}.",
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {a.name: self.raw(a.name) for a in self.body.attributes}
        for block in self.body.blocks:
            out.setdefault(block.type, [])
            out[block.type].extend(v.to_dict() for v in self.blocks(block.type))
        return out


def _literal(value: Any) -> ast.Expr:
    if isinstance(value, list):
        return ast.TupleExpr(tuple(_literal(v) for v in value))
    if isinstance(value, dict):
        return ast.ObjectExpr(tuple((ast.Lit(k), _literal(v)) for k, v in value.items()))
    return ast.Lit(value)


@dataclass
class Resource:
    """One resource (or data source) instance."""

    mode: str  # "managed" | "data"
    type: str
    name: str
    address: str
    file: str
    line: int
    end_line: int
    values: Values
    key: str | int | None = None
    module: str = ""  # "" for the root module, "module.x" otherwise
    module_dir: str = "."  # repository-relative directory of its module

    @property
    def origin(self) -> Origin:
        return Origin(self.address, self.file, self.line)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class TerraformModule:
    """A loaded root module with every module below it flattened in."""

    root_dir: str  # repository-relative directory of the root module
    repo_root: str  # absolute path of the repository root
    resources: list[Resource]
    diagnostics: Diagnostics
    files: list[ast.ParsedFile]
    remote_modules: list[tuple[str, str, int]] = field(default_factory=list)  # address, file, line

    def of_type(self, *types: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.type in types and r.mode == "managed")

    def by_address(self, address: str) -> Resource | None:
        return self._index().get(address)

    def _index(self) -> dict[str, Resource]:
        cached: dict[str, Resource] | None = getattr(self, "_by_address", None)
        if cached is None:
            cached = {r.address: r for r in self.resources}
            object.__setattr__(self, "_by_address", cached)
        return cached

    def find(self, predicate: Callable[[Resource], bool]) -> list[Resource]:
        return [r for r in self.resources if predicate(r)]
