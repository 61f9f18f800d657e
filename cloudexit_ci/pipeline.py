"""The one pipeline: Terraform directory → TerraformModule → Stack → Tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cloudexit_ci.options import Options

if TYPE_CHECKING:  # the heavy modules load only when a render really runs
    from cloudexit_ci.cache import Rendered
    from cloudexit_ci.stack import Stack
    from cloudexit_ci.terraform.model import TerraformModule
    from cloudexit_ci.tree import Tree


@dataclass(frozen=True)
class Source:
    """Where the Terraform is and how its variables are set."""

    directory: Path
    var_files: tuple[Path, ...] = ()
    var_args: tuple[str, ...] = ()
    terraform_json: Path | None = None  # `terraform show -json` of a plan or state


@dataclass(frozen=True)
class Result:
    module: TerraformModule
    stack: Stack
    tree: Tree


def load(source: Source) -> TerraformModule:
    from cloudexit_ci.terraform.load import load_module

    return load_module(
        source.directory,
        var_files=source.var_files,
        var_args=source.var_args,
        terraform_json=source.terraform_json,
    )


def generate(source: Source, options: Options) -> Result:
    from cloudexit_ci.convert import convert
    from cloudexit_ci.render.tree import render_tree

    module = load(source)
    stack = convert(module, options)
    return Result(module, stack, render_tree(stack, options))


def render(source: Source, options: Options) -> Rendered:
    """``generate`` through the render cache: the tree, coverage and inline ignores."""
    from cloudexit_ci import cache
    from cloudexit_ci.cache import Rendered
    from cloudexit_ci.ignores import find_ignores
    from cloudexit_ci.terraform.files import recording

    key = cache.key_of(
        options,
        str(source.directory.resolve()),
        [str(p.resolve()) for p in source.var_files],
        source.var_args,
        *([str(source.terraform_json.resolve())] if source.terraform_json else []),
    )  # the JSON's content is a recorded input (read through terraform.files)
    hit = cache.lookup(key)
    if hit is not None:
        return hit
    with recording() as inputs:
        result = generate(source, options)
    rendered = Rendered(
        tree=result.tree,
        coverage=tuple(result.stack.coverage),
        ignores=find_ignores(result.module),
        root_dir=result.module.root_dir,
        repo_root=result.module.repo_root,
        notes=tuple(result.stack.notes),
    )
    cache.store(key, inputs, rendered)
    return rendered
