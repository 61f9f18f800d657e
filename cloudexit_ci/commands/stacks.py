"""Which stacks a command works on: the command line, or every stack of .cloudexit.yml.

Precedence for every setting: command line > CLOUDEXIT_* environment > config file > default.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cloudexit_ci.commands.common import options_of, source_of
from cloudexit_ci.config import Config, StackConfig, find_config, load_config, pick
from cloudexit_ci.errors import UserError
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source

_SETTINGS = (
    ("domain", "domain"),
    ("serverless_mode", "serverless-mode"),
    ("dynamodb_mode", "dynamodb-mode"),
    ("object_store", "object-store"),
    ("acme_email", "acme-email"),
    ("alternator_write_isolation", "alternator-write-isolation"),
    ("name", "name"),
)


@dataclass(frozen=True)
class Target:
    """One stack to generate or check."""

    source: Source
    options: Options
    label: str  # for messages: the output directory as given


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, help="path of .cloudexit.yml")


def config_of(args: argparse.Namespace) -> Config:
    return load_config(find_config(Path.cwd(), getattr(args, "config", None)))


def targets(args: argparse.Namespace, config: Config) -> list[Target]:
    """The command line's stack if TERRAFORM_DIR is given, else the config's stacks."""
    if args.terraform_dir is not None:
        return [
            _target(
                args,
                StackConfig(args.terraform_dir, args.output or Path(), base=Path.cwd()),
                cli=True,
            )
        ]
    if not config.stacks:
        raise UserError(
            "no TERRAFORM_DIR given and no stacks in .cloudexit.yml",
            where="command line",
            hint="pass TERRAFORM_DIR --output OUT, or list stacks in .cloudexit.yml",
        )
    return [_target(args, stack, cli=False) for stack in config.stacks]


def _target(args: argparse.Namespace, stack: StackConfig, *, cli: bool) -> Target:
    merged = argparse.Namespace(**vars(args))
    for attr, key in _SETTINGS:
        setattr(merged, attr, pick(getattr(args, attr, None), key, stack.settings, None))
    merged.terraform_dir = stack.terraform
    merged.output = args.output if cli else stack.output
    merged.var_file = [*map(Path, _list(stack.settings.get("var-files"))), *args.var_file]
    merged.var = [*_vars(stack.settings.get("vars")), *args.var]
    options = options_of(merged)
    code_dirs = stack.settings.get("code-dirs") or {}
    if code_dirs:
        options = _with_code_dirs(options, code_dirs, stack)
    return Target(source_of(merged), options, str(merged.output))


def _with_code_dirs(options: Options, code_dirs: Any, stack: StackConfig) -> Options:
    """``code-dirs`` paths are relative to the config file; the mapper wants them
    relative to the Terraform directory."""
    if not isinstance(code_dirs, dict):
        raise UserError("`code-dirs` must map a function address to a folder", where="code-dirs")
    pairs = tuple(
        sorted(
            (str(k), os.path.relpath(stack.base / str(v), stack.terraform))
            for k, v in code_dirs.items()
        )
    )
    return replace(options, code_dirs=pairs)


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _vars(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise UserError("`vars` must be a mapping of NAME: VALUE", where="vars")
    return [f"{k}={v}" for k, v in value.items()]
