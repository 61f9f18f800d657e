"""Names safe everywhere a generated name lands (Compose, DNS, Traefik, files)."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^a-z0-9-]+")


def safe_name(raw: str, fallback: str = "x") -> str:
    """A name safe as a Compose service, DNS label, Traefik router and file name."""
    name = _UNSAFE.sub("-", raw.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:48].strip("-")
    if not name or not name[0].isalpha():
        name = f"{fallback}-{name}".strip("-") if name else fallback
    return name
