"""Shared by the generated documents (docs/COVERAGE.md, docs/OPTIONS.md): table cells and
the `--check` / write entry point that tests and contributors run."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def cell(text: object) -> str:
    """A value for a Markdown table cell (pipes escaped, one line)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_or_check(doc: Path, render: Callable[[], str], module: str, argv: Sequence[str]) -> int:
    """Write ``doc`` from ``render()``; with ``--check``, exit 1 when it is stale."""
    text = render()
    if "--check" in argv:
        current = doc.read_text(encoding="utf-8") if doc.exists() else ""
        if current != text:
            print(f"{doc} is stale: run `python -m {module}`", file=sys.stderr)
            return 1
        return 0
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")
    return 0
