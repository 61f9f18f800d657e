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

from cloudexit_ci.stack import Origin, Unresolved  # Unresolved: the IR's record
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.dynamic import expand_dynamic
from cloudexit_ci.terraform.expressions import Computed, Evaluator, Unknown, first_unknown
from cloudexit_ci.terraform.known import MISSING, Known, merge, pair_blocks
from cloudexit_ci.terraform.typed import is_known


@dataclass
class Diagnostics:
    unresolved: list[Unresolved] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (file:line, message)

    def add_unresolved(self, item: Unresolved) -> None:
        if item not in self.unresolved:
            self.unresolved.append(item)


class Values:
    """Evaluated view of a block body: attributes, nested blocks, unknowns recorded.

    Nested blocks include the ones ``dynamic "NAME"`` blocks expand to, in the
    order Terraform gives them; ``labels`` are a block's labels (from a dynamic
    block's ``labels``). ``known``: what Terraform's JSON says about the same object
    (``--terraform-json``); each attribute is then ``known.merge`` of both, and
    ``has`` still answers what the HCL writes.
    """

    def __init__(
        self,
        body: ast.Body,
        evaluator: Evaluator,
        *,
        address: str,
        file: str,
        diagnostics: Diagnostics,
        prefix: str = "",
        labels: tuple[str, ...] = (),
        known: Known | None = None,
    ) -> None:
        self.body = body
        self.evaluator = evaluator
        self.address = address
        self.file = file
        self.diagnostics = diagnostics
        self.prefix = prefix
        self.labels = labels
        self.known = known
        self.json_only = False  # a block only Terraform's JSON has (``has`` reads the JSON)
        self._cache: dict[str, Any] = {}
        self._blocks: dict[str, list[Values]] = {}
        self._hcl: dict[str, list[Values]] = {}

    def child(
        self,
        body: ast.Body,
        prefix: str,
        *,
        evaluator: Evaluator | None = None,
        labels: tuple[str, ...] = (),
        known: Known | None = None,
    ) -> Values:
        """Values of a nested body (same class, address, file and diagnostics)."""
        return type(self)(
            body,
            evaluator or self.evaluator,
            address=self.address,
            file=self.file,
            diagnostics=self.diagnostics,
            prefix=prefix,
            labels=labels,
            known=known,
        )

    def has(self, name: str) -> bool:
        """An attribute ``name`` is set, or at least one ``name`` block exists: in the
        HCL (Terraform's JSON lists every attribute, defaults too), or, for a block only
        the JSON has, a value that is not empty."""
        if self.body.attr(name) is not None or bool(self._hcl_blocks(name)):
            return True
        if not self.json_only or self.known is None:
            return False
        view = self.known.at(name)
        return view is not None and view.found and view.value not in ("", [], {}, False)

    def origin(self, name: str) -> str:
        """``terraform-json`` when Terraform's JSON knows the value of ``name``, else ``hcl``."""
        view = self.known.at(name) if self.known is not None else None
        return "terraform-json" if view is not None and view.found else "hcl"

    def line_of(self, name: str) -> int | None:
        attribute = self.body.attr(name)
        if attribute is not None:
            return attribute.line
        for block in self.body.blocks:
            if block.type == name or (block.type == "dynamic" and block.labels == (name,)):
                return block.line
        return None

    def raw(self, name: str, default: Any = None) -> Any:
        """The value, which may be Unknown/Computed/… (an Unknown is recorded as unresolved)."""
        if name in self._cache:
            return self._cache[name]
        attribute = self.body.attr(name)
        view = self.known.at(name) if self.known is not None else None
        if attribute is None and view is None:
            return default
        value = self.evaluator.eval(attribute.expr) if attribute is not None else MISSING
        if view is not None:
            value = merge(value, view)
        if value is MISSING or (value is None and attribute is None):
            return default
        missing = first_unknown(value)
        if isinstance(missing, Unknown):
            self.record(name, missing.reason)
        self._cache[name] = value
        return value

    def record(self, name: str, reason: str) -> None:
        """Report attribute ``name`` as unresolved (kept as written) with ``reason``."""
        attribute = self.body.attr(name)
        text = attribute.text.strip() if attribute else name
        line = attribute.line if attribute else 0
        self.diagnostics.add_unresolved(
            Unresolved(self.address, self.prefix + name, text, reason, self.file, line)
        )

    def get(self, name: str, default: Any = None) -> Any:
        """The value if fully known, else ``default`` (an Unknown is recorded)."""
        value = self.raw(name, default)
        return value if is_known(value) else default

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
        """Nested ``name`` blocks, ``dynamic "name"`` ones expanded in place (HCL), or
        object/list-of-object attributes (JSON syntax)."""
        if name not in self._blocks:
            self._blocks[name] = self._find_blocks(name)
        return self._blocks[name]

    def _find_blocks(self, name: str) -> list[Values]:
        hcl = self._hcl_blocks(name)
        view = self.known.at(name) if self.known is not None else None
        if view is None or not view.found:
            return hcl
        items = view.value if isinstance(view.value, list) else [view.value]
        listed = isinstance(view.value, list)
        if not hcl:  # a block only Terraform's JSON has (a computed one, or a default)
            found = []
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    child = self.child(ast.Body((), ()), f"{self.prefix}{name}.",
                                       known=view.at(i) if listed else view)  # fmt: skip
                    child.json_only = True
                    found.append(child)
            return found
        for block, index in zip(hcl, pair_blocks([_literals(b) for b in hcl], items), strict=True):
            if index is not None:
                block.known = view.at(index) if listed else view
        return hcl

    def _hcl_blocks(self, name: str) -> list[Values]:
        if name not in self._hcl:
            self._hcl[name] = self._written_blocks(name)
        return self._hcl[name]

    def _written_blocks(self, name: str) -> list[Values]:
        found: list[Values] = []
        written = False
        for block in self.body.blocks:
            if block.type == name:
                found.append(self.child(block.body, f"{self.prefix}{name}.", labels=block.labels))
                written = True
            elif block.type == "dynamic" and block.labels == (name,):
                found.extend(expand_dynamic(self, block))
                written = True
        if written or self.body.attr(name) is None:
            return found
        value = self.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        return [self._from_dict(name, item) for item in items if isinstance(item, dict)]

    def block(self, name: str) -> Values | None:
        found = self.blocks(name)
        return found[0] if found else None

    def block_names(self) -> list[str]:
        """The nested block types written in the body (a dynamic block by its label)."""
        names: list[str] = []
        for block in self.body.blocks:
            name = block.labels[0] if block.type == "dynamic" and block.labels else block.type
            if name not in names:
                names.append(name)
        return names

    def _from_dict(self, name: str, data: dict[str, Any]) -> Values:
        attrs = tuple(ast.Attribute(k, _literal(v), 0, "") for k, v in data.items())
        return self.child(ast.Body(attrs, ()), f"{self.prefix}{name}.")

    def to_dict(self) -> dict[str, Any]:
        """Attributes as evaluated and nested blocks (dynamic ones expanded) as lists;
        ``provider`` and ``depends_on`` (references to configuration, not values) left out."""
        meta = _REFERENCE_META if not self.prefix else ()
        out: dict[str, Any] = {
            a.name: self.raw(a.name) for a in self.body.attributes if a.name not in meta
        }
        for name in self.block_names():
            out[name] = [v.to_dict() for v in self.blocks(name)]
        known = self.known.value if self.known is not None else None
        for name in known if isinstance(known, dict) else ():
            if name not in out and name not in meta:
                out[name] = self.raw(name)
        return out


_REFERENCE_META = ("provider", "depends_on")


def _literals(values: Values) -> dict[str, Any]:
    """A block's arguments that are plain text, numbers or bools (to pair it with its JSON)."""
    out: dict[str, Any] = {}
    for attribute in values.body.attributes:
        try:
            value = values.evaluator.eval(attribute.expr)
        except Exception:  # an undefined name: reported when the attribute is read
            continue
        if isinstance(value, (str, int, float, bool)):
            out[attribute.name] = value
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
    module: str = ""  # "" for the root module, 'module.x' / 'module.x["k"].module.y' otherwise
    module_dir: str = "."  # repository-relative directory of its module
    region: str | None = None  # its AWS provider's region (None: unknown or no provider)

    @property
    def origin(self) -> Origin:
        return Origin(self.address, self.file, self.line)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RemoteModule:
    """A module call whose source is not local and that ``terraform init`` has not
    installed (no usable record in ``.terraform/modules/modules.json``)."""

    address: str  # module.x / module.x.module.y
    file: str
    line: int
    source: str
    reason: str  # what is missing and the command that fixes it

    def __iter__(self) -> Iterator[Any]:
        """``address, file, line = remote`` (the former 3-tuple shape) keeps working."""
        return iter((self.address, self.file, self.line))


@dataclass
class TerraformModule:
    """A loaded root module with every module below it flattened in."""

    root_dir: str  # repository-relative directory of the root module
    repo_root: str  # absolute path of the repository root
    resources: list[Resource]
    diagnostics: Diagnostics
    files: list[ast.ParsedFile]
    remote_modules: list[RemoteModule] = field(default_factory=list)
    region: str | None = None  # the root module's default aws provider region
    terraform_json: str | None = None  # the plan/state JSON merged in (as messages name it)

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
