"""The one pipeline: Terraform directory → TerraformModule → Stack → Tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cloudexit_ci.convert import convert
from cloudexit_ci.mappers.base import Options
from cloudexit_ci.render.tree import Tree, render_tree
from cloudexit_ci.stack import Stack
from cloudexit_ci.terraform.load import load_module
from cloudexit_ci.terraform.model import TerraformModule


@dataclass(frozen=True)
class Source:
    """Where the Terraform is and how its variables are set."""

    directory: Path
    var_files: tuple[Path, ...] = ()
    var_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    module: TerraformModule
    stack: Stack
    tree: Tree


def load(source: Source) -> TerraformModule:
    return load_module(source.directory, var_files=source.var_files, var_args=source.var_args)


def generate(source: Source, options: Options) -> Result:
    module = load(source)
    stack = convert(module, options)
    return Result(module, stack, render_tree(stack, module, options))
