"""TEMPORARY workarounds for defects of the generated stacks, applied to the *copied* stack only.

Each entry names a defect of /work/notes/docker-defects.md (D<n>). When the generator is fixed
and the examples regenerated, the entry's patch no longer matches anything: delete it then
(``apply`` reports which entries changed nothing). Never patch examples/ itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def _dockerfiles(stack: Path) -> list[Path]:
    return sorted(stack.rglob("Dockerfile"))


def _d1_syntax_line(stack: Path) -> bool:
    # D1: `# syntax=docker/dockerfile:1` makes BuildKit pull its frontend from a registry.
    changed = False
    for path in _dockerfiles(stack):
        text = path.read_text()
        new = re.sub(r"\A# syntax=[^\n]*\n", "", text)
        if new != text:
            path.write_text(new)
            changed = True
    return changed


def _compose(stack: Path) -> tuple[Path, dict[str, Any]]:
    path = stack / "stack" / "docker-compose.yml"
    return path, yaml.safe_load(path.read_text())


def _d2_function_healthcheck_timing(stack: Path) -> bool:
    # D2: function healthchecks time out (3 s) while 2 cores start a whole stack.
    path, compose = _compose(stack)
    changed = False
    for service in compose["services"].values():
        check = service.get("healthcheck") or {}
        is_function = (service.get("labels") or {}).get("cloudexit.role") == "function"
        if is_function and check.get("timeout") == "3s":
            check.update(timeout="15s", start_period="60s")
            changed = True
    if changed:
        path.write_text(yaml.safe_dump(compose, sort_keys=False))
    return changed


WORKAROUNDS: dict[str, Callable[[Path], bool]] = {
    "D1": _d1_syntax_line,
    "D2": _d2_function_healthcheck_timing,
}


def apply(stack: Path) -> list[str]:
    """Apply every workaround to the copied stack; the ids of those that changed something."""
    return [defect for defect, patch in WORKAROUNDS.items() if patch(stack)]
