""".cloudexit.yml → frozen StackConfig records; CLI > environment > file > default.

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
    code-dirs: {aws_lambda_function.api: services/api/src}
check:
  fail-on: [drift, error]
  soft-fail: false
  format: text
  inline-ignores: true
```
Every option of the command line can be set here; ``CLOUDEXIT_<OPTION>``
environment variables (``CLOUDEXIT_FAIL_ON=drift,unmapped``) sit in between.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.errors import UserError

CONFIG_NAMES = (".cloudexit.yml", ".cloudexit.yaml")
STACK_KEYS = {
    "name", "terraform", "output", "domain", "serverless-mode", "dynamodb-mode",
    "object-store", "acme-email", "alternator-write-isolation", "var-files", "vars",
    "code-dirs",
}  # fmt: skip
CHECK_KEYS = {"fail-on", "soft-fail", "format", "inline-ignores", "output-file"}


@dataclass(frozen=True)
class StackConfig:
    terraform: Path
    output: Path
    settings: Mapping[str, Any] = field(default_factory=dict)
    base: Path = Path()  # the config file's directory: relative paths start there


@dataclass(frozen=True)
class Config:
    path: Path | None
    stacks: tuple[StackConfig, ...] = ()
    check: Mapping[str, Any] = field(default_factory=dict)


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
        raise UserError("the config must be a mapping", where=f"{path}:1")
    _only(data, {"stacks", "check"}, str(path))
    base = path.parent
    stacks = tuple(
        _stack(item, base, f"{path}: stacks[{i}]")
        for i, item in enumerate(data.get("stacks") or [])
    )
    check = data.get("check") or {}
    if not isinstance(check, dict):
        raise UserError("`check` must be a mapping", where=f"{path}: check")
    _only(check, CHECK_KEYS, f"{path}: check")
    return Config(path, stacks, check)


def _only(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise UserError(
            f"unknown key(s) {', '.join(unknown)}",
            where=where,
            hint=f"allowed: {', '.join(sorted(allowed))}",
        )


def _stack(item: Any, base: Path, where: str) -> StackConfig:
    if not isinstance(item, dict):
        raise UserError("each stack must be a mapping", where=where)
    _only(item, STACK_KEYS, where)
    for required in ("terraform", "output"):
        if not item.get(required):
            raise UserError(
                f"`{required}` is required", where=where, hint=f"add `{required}: PATH`"
            )
    settings = {k: v for k, v in item.items() if k not in ("terraform", "output")}
    terraform, output = base / str(item["terraform"]), base / str(item["output"])
    return StackConfig(terraform, output, settings, base)


def env_setting(name: str) -> str | None:
    """``CLOUDEXIT_FAIL_ON`` for ``fail-on``: the environment layer of the precedence."""
    return os.environ.get("CLOUDEXIT_" + name.upper().replace("-", "_"))


def pick(cli: Any, name: str, file_values: Mapping[str, Any], default: Any) -> Any:
    """CLI > environment > config file > default."""
    if cli is not None:
        return cli
    from_env = env_setting(name)
    if from_env is not None:
        return from_env
    if name in file_values:
        return file_values[name]
    return default
