"""Names safe everywhere a generated name lands (Compose, DNS, Traefik, files)."""

from __future__ import annotations

import re
from collections.abc import Container

_UNSAFE = re.compile(r"[^a-z0-9-]+")
_NOT_ENV = re.compile(r"[^A-Z0-9_]+")
_SECRET = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)", re.I
)
_HOST = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\Z")


def safe_name(raw: str, fallback: str = "x") -> str:
    """A name safe as a Compose service, DNS label, Traefik router and file name."""
    name = _UNSAFE.sub("-", raw.lower()).strip("-")
    name = re.sub(r"-{2,}", "-", name)[:48].strip("-")
    if not name or not name[0].isalpha():
        name = f"{fallback}-{name}".strip("-") if name else fallback
    return name


def env_name(*parts: str) -> str:
    """``("db-main", "password")`` → ``DB_MAIN_PASSWORD`` (letters, digits, ``_``)."""
    name = _NOT_ENV.sub("_", "_".join(parts).upper()).strip("_")
    name = re.sub(r"_{2,}", "_", name)[:64]
    return name if name and not name[0].isdigit() else f"V_{name}"


def is_host(name: str) -> bool:
    """A host name (or ``*.`` wildcard) that is safe to put in an edge rule."""
    return _HOST.match(name) is not None


def unique_name(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever is not in ``taken``."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def looks_secret(name: str) -> bool:
    """An environment variable name that usually holds a secret (``DB_PASSWORD``…)."""
    return _SECRET.search(name) is not None
