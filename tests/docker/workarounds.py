"""TEMPORARY workarounds for defects of the generated stacks, applied to the *copied* stack only.

Each entry names a defect (D<n>) of the defect list kept outside the repository
(docker-defects.md: symptom, cause in the generator, proposed patch). When the generator is
fixed and the examples regenerated, the entry's patch no longer matches anything: delete it
then (``apply`` returns only the ids that changed something; the suite prints them per stack
at the end of the run). Never patch examples/ itself.
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


def _d5_empty_traefik_services(stack: Path) -> bool:
    # D5: `http: {services: {}}` in traefik/dynamic/services.yml of a stack without functions
    # makes Traefik reject the whole file provider: every router is lost.
    path = stack / "stack" / "traefik" / "dynamic" / "services.yml"
    if path.exists() and not ((yaml.safe_load(path.read_text()) or {}).get("http") or {}).get(
        "services"
    ):
        path.unlink()
        return True
    return False


def _d6_nginx_resolver(stack: Path) -> bool:
    # D6: `proxy_pass http://minio:9000/<bucket>$uri` (a variable) resolves at request time and
    # needs a resolver; without one nginx answers 502 "no resolver defined to resolve minio".
    changed = False
    for path in sorted((stack / "stack" / "cdn").glob("*/default.conf")):
        text = path.read_text()
        if "resolver " not in text:
            resolver = "    listen 8080;\n    resolver 127.0.0.11 valid=10s ipv6=off;\n"
            path.write_text(text.replace("    listen 8080;\n", resolver))
            changed = True
    return changed


WORKAROUNDS: dict[str, Callable[[Path], bool]] = {
    "D1": _d1_syntax_line,
    "D2": _d2_function_healthcheck_timing,
    "D5": _d5_empty_traefik_services,
    "D6": _d6_nginx_resolver,
}


def apply(stack: Path) -> list[str]:
    """Apply every workaround to the copied stack; the ids of those that changed something."""
    return [defect for defect, patch in WORKAROUNDS.items() if patch(stack)]
