"""Terraform's module version constraints, enough to pick a release as ``terraform init`` does.

``newest(tags, "~> 3.0, != 3.2.1")`` is the newest release tag (``v3.5.0``) that meets every
comma-separated condition: ``=`` (or none), ``!=``, ``>``, ``>=``, ``<``, ``<=`` and ``~>``
(only the rightmost given part may grow: ``~> 1.2`` is ``>= 1.2, < 2.0``, ``~> 1.2.3`` is
``>= 1.2.3, < 1.3.0``). Pre-releases (``1.0.0-beta``) only match an exact ``=``. An empty
constraint takes the newest release.
"""

from __future__ import annotations

import re

VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?$")
CONDITION = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")

Version = tuple[int, int, int]


def parse(text: str) -> tuple[Version, int, str] | None:
    """(version, how many parts were given, pre-release) of ``v1.2.3[-pre]``; None if no version."""
    match = VERSION.match(text.strip())
    if match is None:
        return None
    given = 1 + (match[2] is not None) + (match[3] is not None)
    return (int(match[1]), int(match[2] or 0), int(match[3] or 0)), given, match[4] or ""


def _meets(version: Version, pre: str, operator: str, wanted: str) -> bool:
    parsed = parse(wanted)
    if parsed is None:
        return False
    target, given, target_pre = parsed
    if operator in ("", "="):
        return version == target and pre == target_pre
    if pre:  # a pre-release only matches exactly
        return False
    if operator == "~>":
        bump = given - 2 if given > 1 else 0  # the part left of the rightmost one grows
        upper = (*target[:bump], target[bump] + 1, 0, 0)[:3]
        return target <= version < upper
    return {
        "!=": version != target,
        ">": version > target,
        ">=": version >= target,
        "<": version < target,
        "<=": version <= target,
    }[operator]


def satisfies(tag: str, constraint: str) -> bool:
    parsed = parse(tag)
    if parsed is None:
        return False
    version, _, pre = parsed
    conditions = [c for c in constraint.split(",") if c.strip()]
    if not conditions:
        return not pre
    for condition in conditions:
        match = CONDITION.match(condition)
        if match is None or not _meets(version, pre, match[1] or "", match[2]):
            return False
    return True


def newest(tags: list[str], constraint: str) -> str | None:
    """The newest tag meeting ``constraint`` (None: none does)."""
    meeting = [(parse(t), t) for t in tags if satisfies(t, constraint)]
    ranked = sorted((p[0], p[2] == "", t) for p, t in meeting if p is not None)
    return ranked[-1][2] if ranked else None
