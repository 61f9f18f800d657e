""".cloudexit.yml → a frozen Config, checked against the one table of settings.

```yaml
stacks:
  - name: items                       # Compose project name (default: output dir name)
    terraform: examples/serverless-items/terraform
    output: examples/serverless-items/stack
    domain: api.example.com
    serverless-mode: containerized    # or consolidated
    dynamodb-mode: alternator         # or cql
    object-store: minio               # or seaweedfs
    acme-email: ops@example.com
    alternator-write-isolation: only_rmw_uses_lwt
    var-files: [prod.tfvars]
    vars: {env: prod}
    terraform-json: plan.json         # `terraform show -json plan.out` (or of the state)
    code-dirs: {aws_lambda_function.api: services/api/src}
check:
  fail-on: [drift, error]
  soft-fail: false
  format: text
  inline-ignores: true
  data-plan-base: origin/main
```
The keys each section allows, their types and choices come from ``settings.SETTINGS``
(docs/OPTIONS.md lists them); a bad key or value is a UserError naming
``file: stacks[i].key`` and the fix. Paths are relative to the config file.
Precedence (``layers.resolve``): command line > ``CLOUDEXIT_*`` > this file > default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.errors import UserError
from cloudexit_ci.layers import from_config
from cloudexit_ci.settings import REMOVED, Setting, in_scope

CONFIG_NAMES = (".cloudexit.yml", ".cloudexit.yaml")


@dataclass(frozen=True)
class StackConfig:
    terraform: Path
    output: Path
    settings: Mapping[str, Any] = field(default_factory=dict)
    base: Path = Path()  # the config file's directory: relative paths start there
    where: str = "command line"  # how messages name it: ``file: stacks[i]``


@dataclass(frozen=True)
class Config:
    path: Path | None
    stacks: tuple[StackConfig, ...] = ()
    check: Mapping[str, Any] = field(default_factory=dict)

    @property
    def check_where(self) -> str:
        return f"{self.path}: check" if self.path else "check"


def find_config(start: Path, explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise UserError(f"config file {explicit} not found", where="--config")
        return explicit
    for name in CONFIG_NAMES:
        candidate = start / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config(None)
    try:
        data = yamlio.load(path.read_text(encoding="utf-8")) or {}
    except yamlio.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise UserError(
            "invalid YAML", where=f"{path}:{line}", hint="fix the YAML syntax"
        ) from None
    if not isinstance(data, dict):
        raise UserError("the config must be a mapping", where=f"{path}:1",
                        hint="write `stacks:` and `check:` at the top level")  # fmt: skip
    _only(data, {"stacks": None, "check": None}, f"{path}:")
    items = data.get("stacks") or []
    if not isinstance(items, list):
        raise UserError("`stacks` must be a list", where=f"{path}: stacks",
                        hint="start each stack with `- terraform: DIR`")  # fmt: skip
    stacks = tuple(
        _stack(item, path.parent, f"{path}: stacks[{i}]") for i, item in enumerate(items)
    )
    return Config(
        path, stacks, section(data.get("check") or {}, in_scope("check"), f"{path}: check")
    )


def _only(data: Mapping[str, Any], allowed: Mapping[str, Setting | None], where: str) -> None:
    for key in data:
        if key not in allowed:
            hint = REMOVED.get(str(key)) or f"allowed: {', '.join(sorted(allowed))}"
            key_where = f"{where} {key}" if where.endswith(":") else f"{where}.{key}"
            raise UserError(f"unknown key `{key}`", where=key_where, hint=hint)


def section(data: Any, allowed: Mapping[str, Setting], where: str) -> dict[str, Any]:
    """One section's keys checked and converted (a null value is unset)."""
    if not isinstance(data, dict):
        raise UserError("must be a mapping of settings", where=where, hint="write `key: value`")
    _only(data, allowed, where)
    values = {
        key: from_config(allowed[key], value, f"{where}.{key}")
        for key, value in data.items()
        if value is not None
    }
    for key, setting in allowed.items():
        if setting.required and key not in values:
            raise UserError(f"`{key}` is required", where=where, hint=f"add `{key}: PATH`")
    return values


def _stack(item: Any, base: Path, where: str) -> StackConfig:
    if not isinstance(item, dict):
        raise UserError("each stack must be a mapping", where=where, hint="`- terraform: DIR`")
    values = section(item, in_scope("stack"), where)
    if "var-files" in values:  # relative to the config file, like every path here
        values["var-files"] = tuple(str(base / f) for f in values["var-files"])
    if "terraform-json" in values:
        values["terraform-json"] = base / values["terraform-json"]
    terraform, output = base / values.pop("terraform"), base / values.pop("output")
    return StackConfig(terraform, output, values, base, where)
