"""Which stacks a command works on: the command line's TERRAFORM_DIR, or every stack of
.cloudexit.yml. Each stack's settings: command line > CLOUDEXIT_* > file > default."""

from __future__ import annotations

import argparse
from pathlib import Path

from cloudexit_ci.commands.common import Target, target_of
from cloudexit_ci.config import Config, StackConfig, find_config, load_config
from cloudexit_ci.errors import UserError

__all__ = ["Target", "config_of", "targets"]


def config_of(args: argparse.Namespace) -> Config:
    return load_config(find_config(Path.cwd(), getattr(args, "config", None)))


REPOSITORY_FACTS = ("code-dirs",)  # where the code is: not a choice of one output


def command_line_stack(args: argparse.Namespace, config: Config) -> StackConfig:
    """TERRAFORM_DIR as a stack. The config's entry for the same directory lends it what
    describes the repository (``code-dirs``); how to generate comes from the command line."""
    given = Path(args.terraform_dir)
    output = args.output or Path()
    for entry in config.stacks:
        if entry.terraform.resolve() == given.resolve():
            facts = {k: v for k, v in entry.settings.items() if k in REPOSITORY_FACTS}
            return StackConfig(given, output, facts, entry.base, entry.where)
    return StackConfig(given, output, base=Path.cwd())


def targets(args: argparse.Namespace, config: Config, *, need_output: bool = True) -> list[Target]:
    """The command line's stack if TERRAFORM_DIR is given, else the config's stacks."""
    if args.terraform_dir is not None:
        stack = command_line_stack(args, config)
        return [target_of(args, stack, cli=True, need_output=need_output)]
    if not config.stacks:
        raise UserError(
            "no TERRAFORM_DIR given and no stacks in .cloudexit.yml",
            where="command line",
            hint="pass TERRAFORM_DIR --output OUT, or list stacks in .cloudexit.yml",
        )
    if getattr(args, "terraform_json", None) is not None and len(config.stacks) > 1:
        raise UserError(
            f"one --terraform-json cannot describe the {len(config.stacks)} stacks of "
            f"{config.path}",
            where="--terraform-json",
            hint="set `terraform-json: FILE` on each stack in .cloudexit.yml instead",
        )
    return [target_of(args, stack, cli=False) for stack in config.stacks]
