"""`cloudexit-ci migrate`: generate the self-hosted stack into --output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path, PurePosixPath

from cloudexit_ci.commands.common import add_generate_arguments, options_of, source_of
from cloudexit_ci.pipeline import generate
from cloudexit_ci.render.tree import MANIFEST, write_tree


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_generate_arguments(parser)


def run(args: argparse.Namespace) -> int:
    options = options_of(args)
    result = generate(
        source_of(args), options
    )  # everything in memory first: a failure writes nothing
    output = Path(options.output_dir)
    changed = write_tree(result.tree, output, previous_files(output))
    counts: dict[str, int] = {}
    for entry in result.stack.coverage:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    state = "written" if changed else "unchanged"
    print(
        f"cloudexit-ci: {len(result.tree)} files {state} in {output} ({summary})", file=sys.stderr
    )
    return 0


def previous_files(output: Path) -> dict[PurePosixPath, bytes]:
    """Files the previous run generated (from its manifest), to remove stale ones."""
    manifest = output / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = data.get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {PurePosixPath(p): b"" for p in files if isinstance(p, str)}
