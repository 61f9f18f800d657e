"""API Gateway's route precedence, the one definition: the edge's router priorities
(targets/gateway.py) and the order of the routes in a shim's config follow it, and both
shims sort by the same key (``compile_routes``; tests/test_precedence.py compares them).

A route without a greedy ``{proxy+}`` beats one with it; then segments compare from the
left: literal > ``{name}`` > ``{proxy+}`` (a missing segment ranks lowest); then a method
beats ``ANY``; ``$default`` is last. Identity-provider and system routes (Keycloak,
health) rank above every API route, so a root ``{proxy+}`` never shadows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

API_BASE = 1000  # the lowest API route priority ($default)
SYSTEM = 1_000_000  # Keycloak, health: above every API route
PREFLIGHT = 900_000  # a CORS preflight router: above API routes, below system ones
_PARAM = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}\Z")


def segment_rank(segment: str) -> int:
    """2: literal, 1: ``{name}``, 0: ``{proxy+}``."""
    param = _PARAM.match(segment)
    if param is None:
        return 2
    return 0 if param.group(2) else 1


def key(method: str, path: str) -> tuple[object, ...]:
    """Sort key: the route that sorts first wins (as the shims' compile_routes)."""
    if path == "$default":
        return (True,)
    ranks = [segment_rank(s) for s in path.split("/") if s]
    return (False, 0 in ranks, [-r for r in ranks] + [1], method.upper() == "ANY")


def ordered(routes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(method, path) pairs, the winner first; ties by method and path (deterministic)."""
    return sorted(set(routes), key=lambda r: (key(*r), r))


def priorities(routes: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Traefik priorities: higher wins, in ``ordered`` order, from ``API_BASE`` up."""
    found = ordered(routes)
    return {route: API_BASE + len(found) - i for i, route in enumerate(found)}
