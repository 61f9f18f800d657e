"""Load a Terraform root module (and the modules it calls) into a TerraformModule.

Variables come from defaults, ``terraform.tfvars``, ``*.auto.tfvars``,
``--var-file`` and ``--var`` (later wins). ``count``/``for_each`` expand into
instances addressed like Terraform does (``module.a["k"].aws_x.y[0]``); every
module instance has its own variables and locals. Non-local module sources are
read where ``terraform init`` installed them (``modules``).

With ``terraform_json`` (``terraform show -json`` of a plan or state, ``tfjson``), the
JSON's instances, variable values, regions and every known value come first
(``jsonmerge``, ``known.merge``); the HCL gives what is unknown at plan time.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Computed, Evaluator, Namespace, Unknown
from cloudexit_ci.terraform.files import parse_files, rel, repo_root_of, terraform_files
from cloudexit_ci.terraform.functions import PURE
from cloudexit_ci.terraform.instances import Instance, instances_of, key_suffix
from cloudexit_ci.terraform.jsonmerge import JsonContext, json_context
from cloudexit_ci.terraform.known import Known
from cloudexit_ci.terraform.model import (
    Diagnostics,
    RemoteModule,
    Resource,
    TerraformModule,
    Values,
)
from cloudexit_ci.terraform.modules import Manifest, is_local, module_key
from cloudexit_ci.terraform.providers import (
    Regions,
    own_regions,
    passed_regions,
    resource_region,
)
from cloudexit_ci.terraform.refs import ModuleRef, ResourceRef, Scope, shaped
from cloudexit_ci.terraform.typeconv import convert
from cloudexit_ci.terraform.typed import DEFERRED, Sensitive
from cloudexit_ci.terraform.variables import variable_values

_MAX_MODULE_DEPTH = 16


class _ModuleLoader:
    """Loads one module instance; the modules it calls are loaded recursively."""

    def __init__(
        self,
        ctx: _Context,
        directory: Path,
        prefix: str,
        key: str,
        inputs: Values | None,
        regions: Regions,
        depth: int,
    ) -> None:
        self.ctx = ctx
        self.dir = directory
        self.prefix = prefix  # "" or "module.x." / 'module.x["k"].'
        self.key = key  # the modules.json key: "" / "x" / "x.y"
        self.inputs = inputs
        self.depth = depth
        self.module_dir = rel(directory, ctx.repo)
        self.files = parse_files(terraform_files(directory), ctx.repo)
        ctx.all_files.extend(self.files)
        self.blocks = [(f, b) for f in self.files for b in f.blocks]
        self.values_cache: dict[tuple[int, str], Values] = {}  # this instance's own
        self.refs: dict[tuple[str, str, str], Any] = {}
        self._declared: dict[tuple[str, str, str], tuple[ast.ParsedFile, ast.Block]] | None = None
        self._instances_by_block: dict[tuple[str, str, str], list[Resource]] = {}
        self._expanding: set[tuple[str, str, str]] = set()
        self.children: dict[str, Any] = {}
        self.child_loaders: list[_ModuleLoader] = []
        managed = {b.labels[0] for _, b in self.blocks if _is(b, "resource", 2)}
        self.evaluator = Evaluator(Scope(self._fixed_names(), managed, self.resource_ref), PURE)
        self.regions = {**regions, **own_regions(self.blocks, self._values_of)}

    # -- scope ------------------------------------------------------------------
    def _fixed_names(self) -> dict[str, Any]:
        module_path = posixpath.relpath(self.module_dir, self.ctx.root_dir)
        # Terraform's path.cwd is absolute; "../<root dir name>" is the same directory,
        # relative like path.root, and keeps its name (`ex-${basename(path.cwd)}`)
        root = self.ctx.root_dir
        cwd = f"../{posixpath.basename(root)}" if root not in ("", ".") else "."
        return {
            "var": Namespace("var", self._variable),
            "local": Namespace("local", self._local),
            "path": {"module": module_path, "root": ".", "cwd": cwd},
            "terraform": {"workspace": "default"},
            "data": Namespace("data", self._data_type),
            "module": Namespace("module", self._module_ref),
        }

    def _variable(self, name: str) -> Any:
        declared = {b.labels[0]: (f, b) for f, b in self.blocks if _is(b, "variable", 1)}
        if name not in declared:
            raise _UndefinedVariable(name)
        file, block = declared[name]
        declaration = self._values(block, file, f"var.{name}")
        type_attribute = block.body.attr("type")
        type_expr = type_attribute.expr if type_attribute is not None else None
        value = convert(self._variable_value(name, declaration), type_expr)
        if declaration.boolean("sensitive"):
            return value if isinstance(value, DEFERRED) else Sensitive(self.prefix + name)
        return value

    def _variable_value(self, name: str, declaration: Values) -> Any:
        # `nullable = false`: a null from the caller means the default, as in Terraform
        null_is_default = not declaration.boolean("nullable", True)
        if self.inputs is not None and self.inputs.has(name):
            given = self.inputs.raw(name)
            if given is not None or not null_is_default:
                return given
        elif self.inputs is None and name in self.ctx.var_values:
            given = self.ctx.var_values[name]
            if given is not None or not null_is_default:
                return given
        if declaration.body.attr("default") is not None:
            return declaration.raw("default")
        return Unknown(f"var.{name}", f"variable {name!r} has no value (pass --var {name}=...)")

    def _local(self, name: str) -> Any:
        for file, block in self.blocks:
            if block.type == "locals" and block.body.attr(name) is not None:
                return self._values(block, file, f"{self.prefix}local.{name}").raw(name)
        raise _UndefinedVariable(f"local.{name}")

    def _data_type(self, type_: str) -> Any:
        return Namespace(f"data.{type_}", lambda label: self.resource_ref("data", type_, label))

    def _values_of(self, file: ast.ParsedFile, block: ast.Block, what: str) -> Values:
        return self._values(block, file, f"{self.prefix}{what}")

    def _values(self, block: ast.Block, file: ast.ParsedFile, address: str) -> Values:
        key = (id(block), address)
        cached = self.values_cache.get(key)
        if cached is None:
            cached = self._guarded(block.body, self.evaluator, address, file.path)
            self.values_cache[key] = cached
        return cached

    def _guarded(
        self,
        body: ast.Body,
        evaluator: Evaluator,
        address: str,
        file: str,
        known: Known | None = None,
    ) -> Values:
        return _GuardedValues(body, evaluator, address=address, file=file,
                              diagnostics=self.ctx.diagnostics, known=known)  # fmt: skip

    # -- resources --------------------------------------------------------------
    def _resource_blocks(self) -> dict[tuple[str, str, str], tuple[ast.ParsedFile, ast.Block]]:
        if self._declared is None:
            self._declared = {}
            for file, block in self.blocks:
                if _is(block, "resource", 2) or _is(block, "data", 2):
                    mode = "managed" if block.type == "resource" else "data"
                    key = (mode, block.labels[0], block.labels[1])
                    if key in self._declared:
                        raise UserError(
                            f"{block.type} {'.'.join(block.labels)} is declared twice",
                            where=f"{file.path}:{block.line}",
                            hint="rename or remove one of them",
                        )
                    self._declared[key] = (file, block)
        return self._declared

    def resource_ref(self, mode: str, type_: str, name: str) -> Any:
        key = (mode, type_, name)
        if key not in self._resource_blocks():
            return Unknown(f"{type_}.{name}", "no such resource", error=True)
        if key in self._expanding:
            return Unknown(f"{type_}.{name}", "its count/for_each refers to itself")
        self._expanded(key)
        return self.refs[key]

    def resources(self) -> list[Resource]:
        return [r for key in self._resource_blocks() for r in self._expanded(key)]

    def _expanded(self, key: tuple[str, str, str]) -> list[Resource]:
        if key not in self._instances_by_block:
            self._expanding.add(key)
            try:
                file, block = self._resource_blocks()[key]
                self._instances_by_block[key] = self._expand(file, block)
            finally:
                self._expanding.discard(key)
        return self._instances_by_block[key]

    def _expand(self, file: ast.ParsedFile, block: ast.Block) -> list[Resource]:
        mode = "managed" if block.type == "resource" else "data"
        type_, name = block.labels
        base = f"{self.prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
        out: dict[str | int | None, Resource] = {}
        found = self._instances(file, block, base)
        tfjson = self.ctx.json
        if tfjson is not None and mode == "managed":
            found = tfjson.instances(base, found, self.ctx.diagnostics, module=False)
        for instance in found.items:
            address = base + key_suffix(instance.key)
            evaluator = self.evaluator.child(instance.names) if instance.names else self.evaluator
            known = tfjson.known(base, instance.key) if tfjson is not None else None
            values = self._guarded(block.body, evaluator, address, file.path, known)
            region = resource_region(type_, block.body, values, self.regions)
            if tfjson is not None:
                region = tfjson.region(base, instance.key) or region
            out[instance.key] = Resource(
                mode, type_, name, address, file.path, block.line, block.end_line, values,
                key=instance.key, module=self.prefix.rstrip("."), module_dir=self.module_dir,
                region=region,
            )  # fmt: skip
        refs = {k: ResourceRef(r) for k, r in out.items()}
        self.refs[(mode, type_, name)] = shaped(refs, found.repetition)
        return list(out.values())

    def _instances(self, file: ast.ParsedFile, block: ast.Block, base: str) -> Instance:
        return instances_of(self._values(block, file, base), block, file.path)

    # -- modules ----------------------------------------------------------------
    def _module_ref(self, name: str) -> Any:
        if name not in self.children:
            self.children[name] = self._load_children(name)
        return self.children[name]

    def _load_children(self, name: str) -> Any:
        found = [(f, b) for f, b in self.blocks if _is(b, "module", 1) and b.labels[0] == name]
        if not found:
            return Unknown(f"module.{name}", f"module {name!r} is not declared", error=True)
        file, block = found[0]
        address = f"{self.prefix}module.{name}"
        instances = self._instances(file, block, address)
        if self.ctx.json is not None:
            instances = self.ctx.json.instances(
                address, instances, self.ctx.diagnostics, module=True
            )
        if not instances.items:
            return shaped({}, instances.repetition)
        directory = self._module_dir(file, block, address, module_key(self.key, name))
        if directory is None:
            return Unknown(address, "the module's source is not installed")
        regions = passed_regions(block, file.path, self.regions)
        loaded: dict[str | int | None, ModuleRef] = {}
        for instance in instances.items:
            evaluator = self.evaluator.child(instance.names) if instance.names else self.evaluator
            inputs = self._guarded(block.body, evaluator, address, file.path)
            prefix = f"{address}{key_suffix(instance.key)}."
            child = _ModuleLoader(
                self.ctx, directory, prefix, module_key(self.key, name), inputs, regions,
                self.depth + 1,
            )  # fmt: skip
            self.child_loaders.append(child)
            loaded[instance.key] = ModuleRef(child.output)
        return shaped(loaded, instances.repetition)

    def _module_dir(
        self, file: ast.ParsedFile, block: ast.Block, address: str, key: str
    ) -> Path | None:
        where = f"{file.path}:{block.line}"
        source = self._values(block, file, address).string("source")
        if not source:
            raise UserError("a module call needs a literal source", where=where)
        if self.depth >= _MAX_MODULE_DEPTH:
            raise UserError("modules nest too deep", where=where)
        if is_local(source):
            return self._inside_repository((self.dir / source).resolve(), where, source)
        located = self.ctx.manifest.locate(key, source)
        if located.directory is None:
            remote = RemoteModule(address, file.path, block.line, source, located.missing)
            self.ctx.remote_modules.append(remote)
            return None
        return self._inside_repository(located.directory.resolve(), where, source)

    def _inside_repository(self, directory: Path, where: str, source: str) -> Path:
        try:
            rel(directory, self.ctx.repo)
        except UserError:
            raise UserError(
                f"module source {source!r} is {directory}, outside the repository {self.ctx.repo}",
                where=where,
                hint="keep modules inside the repository (for a registry module, run "
                "`terraform init -backend=false` in the root module so it lands in .terraform)",
            ) from None
        return directory

    def module_names(self) -> list[str]:
        return [b.labels[0] for _, b in self.blocks if _is(b, "module", 1)]

    def output(self, name: str) -> Any:
        for file, block in self.blocks:
            if _is(block, "output", 1) and block.labels[0] == name:
                return self._values(block, file, f"{self.prefix}output.{name}").raw("value")
        return Unknown(f"module output {name}", f"the module has no output {name!r}", error=True)


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
    def __init__(
        self, repo: Path, directory: Path, var_values: dict[str, Any], json: JsonContext | None
    ) -> None:
        self.repo = repo
        self.root_dir = rel(directory, repo)
        self.json = json
        self.var_values = json.var_values(var_values) if json is not None else var_values
        self.diagnostics = Diagnostics()
        self.all_files: list[ast.ParsedFile] = []
        self.remote_modules: list[RemoteModule] = []
        self.manifest = Manifest(directory, self.root_dir)


def _is(block: ast.Block, type_: str, labels: int) -> bool:
    return block.type == type_ and len(block.labels) == labels


def _collect(loader: _ModuleLoader) -> list[Resource]:
    """Every resource of ``loader`` and of the module instances below it."""
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
    terraform_json: Path | None = None,
) -> TerraformModule:
    """Load the Terraform root module in ``directory`` (merged with ``terraform_json``,
    the output of ``terraform show -json``, when given)."""
    directory = directory.resolve()
    repo = (repo_root or repo_root_of(directory)).resolve()
    values = variable_values(directory, repo, var_files, var_args)  # tfvars, --var
    json = json_context(terraform_json, directory, repo)
    ctx = _Context(repo, directory, values, json)
    root = _ModuleLoader(ctx, directory, "", "", None, {}, 0)
    if json is not None:  # read before any module below takes its providers
        root.regions.update(json.provider_regions(root.regions))
    resources = _collect(root)
    resources.sort(key=lambda r: tuple(r.address.split(".")))
    return TerraformModule(
        ctx.root_dir,
        str(repo),
        resources,
        ctx.diagnostics,
        ctx.all_files,
        ctx.remote_modules,
        region=root.regions.get("aws"),
        terraform_json=json.data.path if json is not None else None,
    )


__all__ = ["Computed", "load_module"]
