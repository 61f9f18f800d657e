"""`cloudexit-ci migrate`: generate the self-hosted stack into --output."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from cloudexit_ci import manifest
from cloudexit_ci.commands.stacks import Target, config_of, targets
from cloudexit_ci.layers import add_arguments as _add
from cloudexit_ci.pipeline import Result, generate
from cloudexit_ci.render.tree import write_tree
from cloudexit_ci.tree import Tree


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "migrate")


def run(args: argparse.Namespace) -> int:
    """Generate one stack (TERRAFORM_DIR) or every stack of .cloudexit.yml.

    Driven by the config file (the pre-commit hook), it exits 1 when it
    rewrote anything, so the commit stops and the user adds the new files.
    """
    chosen = targets(args, config_of(args))
    # every stack is rendered in memory first: a failure writes nothing at all
    results = [(target, generate(target.source, target.options)) for target in chosen]
    changed = False
    for target, result in results:
        changed = _write(target, result) or changed
    from_config = args.terraform_dir is None
    return 1 if from_config and changed else 0


def _write(target: Target, result: Result) -> bool:
    output = Path(target.options.output_dir)
    changed = write_tree(result.tree, output, previous_files(output))
    counts = Counter(entry.status for entry in result.stack.coverage)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    state = "written" if changed else "unchanged"
    print(
        f"cloudexit-ci: {len(result.tree)} files {state} in {output} ({summary})", file=sys.stderr
    )
    return changed


def previous_files(output: Path) -> Tree:
    """Files the previous run generated (from its manifest), to remove stale ones."""
    return {path: b"" for path in manifest.read(output).files}
