"""What the loader takes from Terraform's JSON (``--terraform-json``).

- module and resource instances: the keys Terraform expanded ``count``/``for_each`` to
  (``count.index``/``each.key`` known even where the HCL could not evaluate the
  expression; a plan that declares a block but has no instance of it: none);
- each resource instance's ``Known`` (its values, unknowns and sensitivity);
- variable values (a plan's ``variables``, over the tfvars), a sensitive one as the
  ``Sensitive`` marker, never its clear text;
- the region: the root provider configuration's (plan), and per resource its own
  ``region`` attribute or the region of its ARN;
- the ``World`` every view shares: the by-value matcher over the managed resources and
  every secret's clear text (values marked sensitive, sensitive variables' values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.byvalue import Identity, build, mask_at
from cloudexit_ci.terraform.files import parse_files, rel, terraform_files
from cloudexit_ci.terraform.instances import Instance, One
from cloudexit_ci.terraform.known import Known, World
from cloudexit_ci.terraform.model import Diagnostics
from cloudexit_ci.terraform.tfjson import Key, TerraformJson, load_json
from cloudexit_ci.terraform.typed import Sensitive, Unknown, walk


def json_context(path: Path | None, directory: Path, repo: Path) -> JsonContext | None:
    """The context of ``path`` (None: no JSON) for the root module in ``directory``."""
    if path is None:
        return None
    resolved = path.resolve()
    shown = rel(resolved, repo) if resolved.is_relative_to(repo) else str(path)
    return JsonContext(load_json(resolved, shown), declared_sensitive(directory, repo))


class JsonContext:
    """One Terraform JSON as the loader of one root module uses it."""

    def __init__(self, data: TerraformJson, hcl_sensitive: Iterable[str]) -> None:
        self.data = data
        self.sensitive = data.sensitive_variables | frozenset(hcl_sensitive)
        secrets = set(data.secrets)
        for name in self.sensitive:
            secrets.update(v for v in walk(data.variables.get(name)) if isinstance(v, str) and v)
        managed = (r for r in data.resources.values() if r.mode == "managed")
        matcher = build(Identity(r.address, r.values, r.sensitive) for r in managed)
        self.world = World(matcher, frozenset(secrets))

    def var_values(self, tfvars: dict[str, Any]) -> dict[str, Any]:
        """Root variable values: the plan's over the tfvars; a secret as its marker."""
        out = dict(tfvars)
        for name, value in self.data.variables.items():
            secret = name in self.sensitive or any(map(self.world.is_secret, walk(value)))
            out[name] = Sensitive(name) if secret else value
        return out

    def instances(
        self, address: str, hcl: Instance, diagnostics: Diagnostics, *, module: bool
    ) -> Instance:
        """The instances of the resource or module call ``address`` Terraform expanded
        (then a ``count``/``for_each`` the HCL could not evaluate is no longer reported)."""
        data = self.data
        keys = list(data.modules.get(address, ())) if module else data.resource_keys(address)
        if not keys and (not data.is_declared(address) or hcl.repetition == ""):
            return hcl  # the JSON knows nothing of it (a new block, a state before apply)
        if not all(_fits(key, hcl.repetition) for key in keys):
            return hcl  # the JSON is of other code (count vs for_each): the HCL decides
        diagnostics.unresolved[:] = [
            u
            for u in diagnostics.unresolved
            if u.address != address or u.attribute not in ("count", "for_each")
        ]
        written = {one.key: one for one in hcl.items}
        return Instance(hcl.repetition, tuple(written.get(k) or _one(k) for k in keys))

    def known(self, base: str, key: Key) -> Known | None:
        found = self.data.resources.get((base, key))
        if found is None:
            return None
        return Known(found.address, (), found.values, found.unknown, found.sensitive, self.world)

    def region(self, base: str, key: Key) -> str | None:
        """A resource's region as Terraform recorded it: its ``region`` attribute (AWS
        provider v6, and S3 buckets), else the region field of its ARN."""
        found = self.data.resources.get((base, key))
        if found is None:
            return None
        for name in ("region", "arn"):
            value = found.values.get(name)
            if not isinstance(value, str) or mask_at(found.sensitive, name) is not False:
                continue
            parts = value.split(":") if name == "arn" else ["", "", "", value]
            if len(parts) >= 4 and parts[3]:
                return parts[3]
        return None

    def provider_regions(self, written: Mapping[str, str | None]) -> dict[str, str]:
        """The plan's provider regions; without one for the default ``aws`` provider (a
        state has no configuration) and none ``written`` in the HCL, the one region every
        AWS resource of the JSON is in, if they agree."""
        out = dict(self.data.regions)
        if out.get("aws") is None and written.get("aws") is None:
            aws = [r for r in self.data.resources.values() if r.type.startswith("aws_")]
            found = {self.region(r.base, r.key) for r in aws if r.mode == "managed"} - {None}
            if len(found) == 1:
                out["aws"] = str(found.pop())
        return out


def _fits(key: Key, repetition: str) -> bool:
    if repetition == "count":
        return isinstance(key, int)
    if repetition == "for_each":
        return isinstance(key, str)
    return key is None


def _one(key: Key) -> One:
    if isinstance(key, int):
        return One(key, {"count": {"index": key}})
    value = Unknown("each.value", "known only to Terraform (its JSON gives the keys)")
    return One(key, {"each": {"key": key, "value": value}})


def declared_sensitive(directory: Path, repo: Path) -> set[str]:
    """Root variables the HCL declares ``sensitive = true`` (read before evaluating)."""
    out = set()
    for parsed in parse_files(terraform_files(directory), repo):
        for block in parsed.blocks:
            attribute = block.body.attr("sensitive") if block.type == "variable" else None
            if attribute is not None and _true(attribute.expr) and block.labels:
                out.add(block.labels[0])
    return out


def _true(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.Lit):
        return expr.value is True or expr.value == "true"
    return isinstance(expr, ast.Template) and expr.parts == ("true",)
