"""One stack's generate settings (migrate, check, inventory) resolved through the layers:
command line > ``CLOUDEXIT_*`` > its ``.cloudexit.yml`` entry > default."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cloudexit_ci.config import StackConfig
from cloudexit_ci.errors import UserError
from cloudexit_ci.layers import resolve
from cloudexit_ci.naming import safe_name
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source
from cloudexit_ci.settings import in_scope

_PLACES = ("terraform", "output")  # where the stack is, not how it is generated


@dataclass(frozen=True)
class Target:
    """One stack to generate, check or list."""

    source: Source
    options: Options
    label: str  # for messages: the output directory as given


def stack_values(args: argparse.Namespace, stack: StackConfig) -> dict[str, Any]:
    """Every ``stacks:`` setting but the two places, through the precedence."""
    return {
        key: resolve(setting, getattr(args, setting.attr, None), stack.settings, stack.where)
        for key, setting in in_scope("stack").items()
        if key not in _PLACES
    }


def target_of(
    args: argparse.Namespace, stack: StackConfig, *, cli: bool, need_output: bool = True
) -> Target:
    """``cli``: the stack is the command line's TERRAFORM_DIR (its --output counts);
    else a config entry (its own ``output``). ``need_output``: inventory needs none."""
    values = stack_values(args, stack)
    given = args.output if cli else stack.output
    if given is None and need_output:
        raise UserError("--output is required", where="--output", hint="--output ./self-hosted")
    output = Path(given if given is not None else Options().output_dir).resolve()
    name = values["name"] or (output.name if given is not None else Options().stack_name)
    options = Options(
        domain=str(values["domain"]).lower(),
        serverless_mode=values["serverless-mode"],
        dynamodb_mode=values["dynamodb-mode"],
        object_store=values["object-store"],
        acme_email=values["acme-email"] or "",
        write_isolation=values["alternator-write-isolation"],
        stack_name=safe_name(str(name), "stack"),
        output_dir=str(output),
        platform=values["platform"],
        registry=values["registry"],
        image_tag=values["image-tag"],
    )
    if values["code-dirs"]:
        options = replace(options, code_dirs=_code_dirs(values["code-dirs"], stack))
    source = Source(
        stack.terraform,
        tuple(map(Path, values["var-files"])),
        tuple(values["vars"]),
        values["terraform-json"],
    )
    return Target(source, options, str(given if given is not None else stack.terraform))


def _code_dirs(code_dirs: dict[str, str], stack: StackConfig) -> tuple[tuple[str, str], ...]:
    """``code-dirs`` paths are relative to the config file; the mapper wants them
    relative to the Terraform directory."""
    return tuple(
        sorted((k, os.path.relpath(stack.base / v, stack.terraform)) for k, v in code_dirs.items())
    )


def options_of(args: argparse.Namespace) -> Options:
    """The Options of a parsed command line with TERRAFORM_DIR (no config file)."""
    stack = StackConfig(args.terraform_dir, args.output or Path(), base=Path.cwd())
    return target_of(args, stack, cli=True).options
