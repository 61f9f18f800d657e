"""Inline ignores: ``# cloudexit:ignore reason="…" until=YYYY-MM-DD`` inside a block.

An ignore applies to the unmapped/partial entry of the resource whose block
holds it; it needs a reason; past its ``until`` date it stops working (and
says so), so nothing stays hidden forever.

``# cloudexit:ignore public reason="…"`` in an API Gateway method's or HTTP API route's
block does more: a route whose protection the stack cannot reproduce (AWS_IAM, an
authorizer that is not in the stack) is refused at the edge by default; this opens it
to everyone. A plain ignore (without ``public``) only silences the finding: the route
stays refused. Without a reason, or past ``until``, nothing is opened.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudexit_ci.stack import Coverage

if TYPE_CHECKING:
    from cloudexit_ci.terraform.model import TerraformModule

_DIRECTIVE = re.compile(
    r"(?:#|//)\s*cloudexit:ignore\b(?P<rest>.*)$",
)
_REASON = re.compile(r'reason="(?P<reason>[^"]*)"')
_UNTIL = re.compile(r"until=(?P<until>\d{4}-\d{2}-\d{2})")
_PUBLIC = re.compile(r"^\s*public\b")


@dataclass(frozen=True)
class Ignore:
    address: str
    reason: str
    until: dt.date | None
    where: str
    public: bool = False  # opens a route refused at the edge (see the module docstring)

    def valid(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        return bool(self.reason) and (self.until is None or self.until >= today)


def find_ignores(module: TerraformModule) -> dict[str, Ignore]:
    files = {f.path: f for f in module.files}
    found: dict[str, Ignore] = {}
    for resource in module.resources:
        parsed = files.get(resource.file)
        if parsed is None:
            continue
        for offset, line in enumerate(parsed.lines[resource.line - 1 : resource.end_line]):
            match = _DIRECTIVE.search(line)
            if match:
                found[resource.address] = _parse(
                    resource.address,
                    match.group("rest"),
                    f"{resource.file}:{resource.line + offset}",
                )
    return found


def _parse(address: str, rest: str, where: str) -> Ignore:
    reason = _REASON.search(rest)
    until = _UNTIL.search(rest)
    day = None
    if until:
        try:
            day = dt.date.fromisoformat(until.group("until"))
        except ValueError:
            day = dt.date.min  # an impossible date never silences anything
    text = reason.group("reason") if reason else ""
    return Ignore(address, text, day, where, _PUBLIC.match(rest) is not None)


def public_opening(module: TerraformModule, address: str, today: dt.date | None = None) -> str:
    """The reason of a valid ``cloudexit:ignore public`` in ``address``'s block, else ""."""
    found = find_ignores(module).get(address)
    if found is None or not found.public or not found.valid(today):
        return ""
    return f"{found.where}: {found.reason}"


def apply_ignores(
    coverage: list[Coverage], ignores: dict[str, Ignore], today: dt.date | None = None
) -> tuple[list[Coverage], list[str]]:
    """Coverage without the entries validly ignored, plus notes about the ignores."""
    today = today or dt.date.today()
    kept: list[Coverage] = []
    notes: list[str] = []
    for entry in coverage:
        ignore = ignores.get(entry.origin.address)
        if ignore is None or entry.status not in ("unmapped", "partial"):
            kept.append(entry)
        elif not ignore.reason:
            kept.append(entry)
            notes.append(f'{ignore.where}: cloudexit:ignore without reason="…" is not applied')
        elif ignore.until is not None and ignore.until < today:
            kept.append(entry)
            notes.append(f"{ignore.where}: cloudexit:ignore expired on {ignore.until}")
        else:
            notes.append(f"{ignore.where}: {entry.origin.address} ignored: {ignore.reason}")
    return kept, notes
