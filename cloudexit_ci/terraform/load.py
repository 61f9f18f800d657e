"""Load a Terraform root module (and its local modules) into a TerraformModule.

Variables come from defaults, ``terraform.tfvars``, ``*.auto.tfvars``,
``--var-file`` and ``--var`` (later wins). ``count``/``for_each`` expand into
instances addressed like Terraform does (``aws_lambda_function.fn["upload"]``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.computed import SECRET_ATTRIBUTES, computed_attribute
from cloudexit_ci.terraform.expressions import Computed, Evaluator, Namespace, Unknown
from cloudexit_ci.terraform.files import (
    parse_files,
    rel,
    repo_root_of,
    terraform_files,
)
from cloudexit_ci.terraform.functions import PURE
from cloudexit_ci.terraform.model import Diagnostics, Resource, TerraformModule, Values
from cloudexit_ci.terraform.variables import variable_values

_MAX_MODULE_DEPTH = 16


class _Scope(Mapping[str, Any]):
    """Root names of a module: fixed names first, then resource types on demand."""

    def __init__(self, fixed: dict[str, Any], module: _ModuleLoader) -> None:
        self.fixed = fixed
        self.module = module

    def __getitem__(self, name: str) -> Any:
        if name in self.fixed:
            return self.fixed[name]
        if name in self.module.managed_types:
            return Namespace(name, lambda label: self.module.resource_ref("managed", name, label))
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self.fixed or name in self.module.managed_types

    def __iter__(self) -> Iterator[str]:
        return iter([*self.fixed, *self.module.managed_types])

    def __len__(self) -> int:
        return len(self.fixed) + len(self.module.managed_types)


class _Instance:
    """A reference to one resource instance: attributes it sets, else computed ones."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def get_attr(self, name: str) -> Any:
        values = self.resource.values
        if (self.resource.type, name) in SECRET_ATTRIBUTES:
            return Computed(self.resource.address, name)  # never the literal secret
        if values.body.attr(name) is not None:
            return values.raw(name)
        if values.body.blocks_of(name):
            return [b.to_dict() for b in values.blocks(name)]
        return computed_attribute(self.resource, name)


class _ModuleInstance:
    def __init__(self, loader: _ModuleLoader) -> None:
        self.loader = loader

    def get_attr(self, name: str) -> Any:
        return self.loader.output(name)


class _ModuleLoader:
    """Loads one module instance; children are loaded recursively."""

    def __init__(
        self,
        ctx: _Context,
        directory: Path,
        prefix: str,
        inputs: Values | None,
        depth: int,
    ) -> None:
        self.ctx = ctx
        self.dir = directory
        self.prefix = prefix  # "" or "module.x." / 'module.x["k"].'
        self.inputs = inputs
        self.depth = depth
        self.module_dir = rel(directory, ctx.repo)
        self.files = parse_files(terraform_files(directory), ctx.repo)
        ctx.all_files.extend(self.files)
        self.blocks = [(f, b) for f in self.files for b in f.blocks]
        self.managed_types = {b.labels[0] for _, b in self.blocks if _is(b, "resource", 2)}
        self.refs: dict[tuple[str, str, str], Any] = {}
        self.children: dict[str, Any] = {}
        self.child_loaders: list[_ModuleLoader] = []
        self.evaluator = Evaluator(_Scope(self._fixed_names(), self), PURE)

    # -- scope ------------------------------------------------------------------
    def _fixed_names(self) -> dict[str, Any]:
        module_path = posixpath.relpath(self.module_dir, self.ctx.root_dir)
        return {
            "var": Namespace("var", self._variable),
            "local": Namespace("local", self._local),
            "path": {"module": module_path, "root": ".", "cwd": "."},
            "terraform": {"workspace": "default"},
            "data": Namespace("data", self._data_type),
            "module": Namespace("module", self._module_ref),
        }

    def _variable(self, name: str) -> Any:
        declared = self._declared_variables()
        if name not in declared:
            raise _UndefinedVariable(name)
        if self.inputs is not None and self.inputs.has(name):
            return self.inputs.raw(name)
        if self.inputs is None and name in self.ctx.var_values:
            return self.ctx.var_values[name]
        file, block = declared[name]
        values = self._values(block, file, f"var.{name}")
        if values.body.attr("default") is not None:
            return values.raw("default")
        return Unknown(f"var.{name}", f"variable {name!r} has no value (pass --var {name}=...)")

    def _declared_variables(self) -> dict[str, tuple[ast.ParsedFile, ast.Block]]:
        return {b.labels[0]: (f, b) for f, b in self.blocks if _is(b, "variable", 1)}

    def _local(self, name: str) -> Any:
        for file, block in self.blocks:
            if block.type == "locals" and block.body.attr(name) is not None:
                return self._values(block, file, f"local.{name}").raw(name)
        raise _UndefinedVariable(f"local.{name}")

    def _data_type(self, type_: str) -> Any:
        return Namespace(f"data.{type_}", lambda label: self.resource_ref("data", type_, label))

    def _values(self, block: ast.Block, file: ast.ParsedFile, address: str) -> Values:
        key = (id(block), address)
        cached = self.ctx.values_cache.get(key)
        if cached is None:
            cached = _GuardedValues(
                block.body,
                self.evaluator,
                address=address,
                file=file.path,
                diagnostics=self.ctx.diagnostics,
            )
            self.ctx.values_cache[key] = cached
        return cached

    # -- resources --------------------------------------------------------------
    def resource_ref(self, mode: str, type_: str, name: str) -> Any:
        key = (mode, type_, name)
        if key not in self.refs:
            instances = [r for r in self.resources() if (r.mode, r.type, r.name) == key]
            self.refs[key] = _shape(instances)
        return self.refs[key]

    def resources(self) -> list[Resource]:
        cached: list[Resource] | None = getattr(self, "_resources", None)
        if cached is None:
            cached = []
            self._resources = cached
            for file, block in self.blocks:
                if _is(block, "resource", 2) or _is(block, "data", 2):
                    cached.extend(self._expand(file, block))
        return cached

    def _expand(self, file: ast.ParsedFile, block: ast.Block) -> list[Resource]:
        mode = "managed" if block.type == "resource" else "data"
        type_, name = block.labels
        base = f"{self.prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
        out = []
        for key, extra in self._instances(file, block, base):
            address = base + _key_suffix(key)
            evaluator = self.evaluator.child(extra) if extra else self.evaluator
            values = _GuardedValues(
                block.body,
                evaluator,
                address=address,
                file=file.path,
                diagnostics=self.ctx.diagnostics,
            )
            out.append(
                Resource(
                    mode,
                    type_,
                    name,
                    address,
                    file.path,
                    block.line,
                    block.end_line,
                    values,
                    key=key,
                    module=self.prefix.rstrip("."),
                    module_dir=self.module_dir,
                )
            )
        return out

    def _instances(
        self, file: ast.ParsedFile, block: ast.Block, base: str
    ) -> list[tuple[str | int | None, dict[str, Any]]]:
        meta = self._values(block, file, base)
        if block.body.attr("for_each") is not None:
            collection = meta.raw("for_each")
            if isinstance(collection, dict):
                return [(k, {"each": {"key": k, "value": v}}) for k, v in collection.items()]
            if isinstance(collection, list):
                return [(str(v), {"each": {"key": str(v), "value": v}}) for v in collection]
            each = {"key": Unknown("each.key", "for_each is unknown"), "value": collection}
            return [(None, {"each": each})]
        if block.body.attr("count") is not None:
            count = meta.raw("count")
            if isinstance(count, (int, float)) and not isinstance(count, bool):
                return [(i, {"count": {"index": i}}) for i in range(int(count))]
            return [(None, {"count": {"index": Unknown("count.index", "count is unknown")}})]
        return [(None, {})]

    # -- modules ----------------------------------------------------------------
    def _module_ref(self, name: str) -> Any:
        if name not in self.children:
            self.children[name] = self._load_children(name)
        return self.children[name]

    def _load_children(self, name: str) -> Any:
        found = [(f, b) for f, b in self.blocks if _is(b, "module", 1) and b.labels[0] == name]
        if not found:
            return Unknown(f"module.{name}", f"module {name!r} is not declared")
        file, block = found[0]
        values = self._values(block, file, f"{self.prefix}module.{name}")
        source = values.string("source")
        if not source.startswith(("./", "../")):
            self.ctx.remote_modules.append((f"{self.prefix}module.{name}", file.path, block.line))
            return Unknown(f"module.{name}", f"module source {source!r} is not a local path")
        directory = (self.dir / source).resolve()
        rel(directory, self.ctx.repo)  # refuses a module outside the repository
        if self.depth >= _MAX_MODULE_DEPTH:
            raise UserError("modules nest too deep", where=f"{file.path}:{block.line}")
        instances = self._instances(file, block, f"module.{name}")
        loaded = {}
        for key, extra in instances:
            inputs = values
            if extra:
                inputs = _GuardedValues(
                    block.body, self.evaluator.child(extra), address=values.address,
                    file=file.path, diagnostics=self.ctx.diagnostics,
                )  # fmt: skip
            prefix = f"{self.prefix}module.{name}{_key_suffix(key)}."
            child = _ModuleLoader(self.ctx, directory, prefix, inputs, self.depth + 1)
            loaded[key] = child
        refs = {k: _ModuleInstance(v) for k, v in loaded.items()}
        self.child_loaders.extend(loaded.values())
        return refs[None] if list(refs) == [None] else _keyed(refs)

    def module_names(self) -> list[str]:
        return [b.labels[0] for _, b in self.blocks if _is(b, "module", 1)]

    def output(self, name: str) -> Any:
        for file, block in self.blocks:
            if _is(block, "output", 1) and block.labels[0] == name:
                return self._values(block, file, f"{self.prefix}output.{name}").raw("value")
        return Unknown(f"module output {name}", f"the module has no output {name!r}")


class _UndefinedVariable(Exception):
    pass


class _GuardedValues(Values):
    """Values that turn an undefined reference into a UserError at file:line and
    break reference cycles instead of recursing forever."""

    _active: ClassVar[set[tuple[int, str]]] = set()  # process-wide recursion guard

    def raw(self, name: str, default: Any = None) -> Any:
        key = (id(self), name)
        if key in _GuardedValues._active:
            return Unknown(f"{self.address}.{name}", "the value refers to itself")
        _GuardedValues._active.add(key)
        try:
            return super().raw(name, default)
        except _UndefinedVariable as exc:
            attribute = self.body.attr(name)
            line = attribute.line if attribute else 0
            what = exc.args[0]
            label = what if what.startswith("local.") else f"var.{what}"
            hint = (
                f'declare it: variable "{what}" {{}} (and give it a value)'
                if not what.startswith("local.")
                else "define it in a locals block"
            )
            raise UserError(
                f"reference to undefined {label}", where=f"{self.file}:{line}", hint=hint
            ) from None
        finally:
            _GuardedValues._active.discard(key)


class _Context:
    def __init__(self, repo: Path, root_dir: str, var_values: dict[str, Any]) -> None:
        self.repo = repo
        self.root_dir = root_dir
        self.var_values = var_values
        self.diagnostics = Diagnostics()
        self.all_files: list[ast.ParsedFile] = []
        self.remote_modules: list[tuple[str, str, int]] = []
        self.values_cache: dict[tuple[int, str], Values] = {}


def _is(block: ast.Block, type_: str, labels: int) -> bool:
    return block.type == type_ and len(block.labels) == labels


def _key_suffix(key: str | int | None) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'["{escaped}"]'


def _shape(instances: list[Resource]) -> Any:
    if not instances:
        return Unknown("resource", "no such resource")
    if len(instances) == 1 and instances[0].key is None:
        return _Instance(instances[0])
    if all(isinstance(r.key, int) for r in instances):
        return [_Instance(r) for r in instances]
    return {str(r.key): _Instance(r) for r in instances}


def _keyed(refs: dict[Any, Any]) -> Any:
    if all(isinstance(k, int) for k in refs):
        return [refs[k] for k in sorted(refs)]
    return {str(k): v for k, v in refs.items()}


def _collect(loader: _ModuleLoader) -> list[Resource]:
    """Every resource of ``loader`` and of the local modules below it."""
    out = list(loader.resources())
    for name in loader.module_names():
        loader._module_ref(name)
    for child in loader.child_loaders:
        out.extend(_collect(child))
    return out


def load_module(
    directory: Path,
    *,
    var_files: Sequence[Path] = (),
    var_args: Sequence[str] = (),
    repo_root: Path | None = None,
) -> TerraformModule:
    """Load the Terraform root module in ``directory``."""
    directory = directory.resolve()
    repo = (repo_root or repo_root_of(directory)).resolve()
    root_dir = rel(directory, repo)
    values = variable_values(directory, repo, var_files, var_args)  # tfvars, --var
    ctx = _Context(repo, root_dir, values)
    root = _ModuleLoader(ctx, directory, "", None, 0)
    resources = _collect(root)
    resources.sort(key=lambda r: _sort_key(r.address))
    return TerraformModule(
        root_dir, str(repo), resources, ctx.diagnostics, ctx.all_files, ctx.remote_modules
    )


def _sort_key(address: str) -> tuple[str, ...]:
    return tuple(address.split("."))


__all__ = ["Computed", "load_module"]
