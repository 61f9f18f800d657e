"""Variable values for the root module, in Terraform's precedence order:
defaults < ``terraform.tfvars`` < ``*.auto.tfvars`` (sorted) < ``--var-file`` < ``--var``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform.expressions import Evaluator
from cloudexit_ci.terraform.files import parse_file, rel, terraform_files
from cloudexit_ci.terraform.functions import PURE


def variable_values(
    directory: Path, repo: Path, var_files: Sequence[Path], var_args: Sequence[str]
) -> dict[str, Any]:
    """Values from tfvars files and ``--var`` flags, in Terraform's precedence order."""
    terraform_files(directory)  # records the listing: a new *.auto.tfvars changes the output
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
    files += sorted(directory.glob("*.auto.tfvars")) + sorted(directory.glob("*.auto.tfvars.json"))
    out: dict[str, Any] = {}
    for path in [p for p in files if p.is_file()] + [Path(p) for p in var_files]:
        out.update(_tfvars(path, repo))
    for arg in var_args:
        name, sep, raw = arg.partition("=")
        if not sep or not name.strip():
            raise UserError(
                f"--var {arg!r} is not NAME=VALUE", where="--var", hint="--var env=prod"
            )
        out[name.strip()] = _var_arg(raw)
    return out


def _tfvars(path: Path, repo: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"var file {path} not found", where="--var-file", hint="check the path")
    shown = rel(path, repo) if path.resolve().is_relative_to(repo) else str(path)
    if path.name.endswith(".json"):
        import json

        from cloudexit_ci.terraform.files import read_text

        try:
            data = json.loads(read_text(path, shown))
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc.msg}", where=f"{shown}:{exc.lineno}") from None
        return dict(data)
    parsed = parse_file(path, shown)
    if parsed.blocks:
        where = f"{shown}:{parsed.blocks[0].line}"
        raise UserError("a .tfvars file holds only NAME = VALUE lines", where=where)
    evaluator = Evaluator({}, PURE)
    return {a.name: evaluator.eval(a.expr) for a in parsed.attributes}


def _var_arg(raw: str) -> Any:
    stripped = raw.strip()
    if stripped[:1] in ("[", "{"):
        from cloudexit_ci.terraform.parse import parse_expression

        try:
            return Evaluator({}, PURE).eval(parse_expression(stripped, "--var", 1))
        except UserError:
            return raw
    return raw
