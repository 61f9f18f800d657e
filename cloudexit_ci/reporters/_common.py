"""Wording and ordering shared by every reporter (one voice, one order)."""

from __future__ import annotations

from collections.abc import Iterable

from cloudexit_ci.diff import DRIFT_KINDS, Drift
from cloudexit_ci.manifest import MANIFEST_PATH, DataMove
from cloudexit_ci.report import Report
from cloudexit_ci.stack import Coverage

TOOL_NAME = "cloudexit-ci"
INFORMATION_URI = "https://pypi.org/project/cloudexit-ci/"
MAX_CHANGES_LISTED = 20

FIX_HINTS: dict[str, str] = {
    "changed": "run `cloudexit-ci check --fix` and commit the result",
    "missing": "run `cloudexit-ci check --fix` and commit the result",
    "extra": "run `cloudexit-ci check --fix` (it deletes files the generator no longer owns)",
    "hand-edited": (
        "move the edit into the Terraform or .cloudexit.yml, then run `cloudexit-ci check --fix`"
    ),
}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def ordered_drifts(report: Report) -> list[Drift]:
    """Most important first: hand edits, missing, changed, extra; by path, the manifest last."""
    return sorted(
        report.drifts,
        key=lambda d: (DRIFT_KINDS.index(d.kind), d.path == MANIFEST_PATH, d.path),
    )


def ordered_findings(report: Report) -> list[Coverage]:
    """Unmapped (blocking first), then partial; by address."""
    rank = {"unmapped": 0, "partial": 1}
    found = [c for c in report.coverage if c.status in rank]
    return sorted(found, key=lambda c: (not c.blocking, rank[c.status], c.origin.address))


def change_lines(drift: Drift, limit: int = MAX_CHANGES_LISTED) -> list[str]:
    lines = [c.describe() for c in drift.changes[:limit]]
    if len(drift.changes) > limit:
        lines.append(f"… and {len(drift.changes) - limit} more changes")
    if drift.note:
        lines.append(drift.note)
    return lines


def drift_message(drift: Drift, limit: int = 5) -> str:
    """Multi-line plain text: what drifted, the key paths, how to fix it."""
    lines = [drift.summary + "."]
    lines += change_lines(drift, limit)
    if drift.sources:
        lines.append("From: " + ", ".join(drift.sources))
    lines.append("Fix: " + FIX_HINTS[drift.kind] + ".")
    return "\n".join(lines)


def coverage_message(entry: Coverage) -> str:
    what = "is not mapped" if entry.status == "unmapped" else "is only partly mapped"
    text = f"{entry.origin.address} ({entry.type}) {what}: {entry.reason}"
    if entry.lost:
        text += " Lost: " + ", ".join(entry.lost) + "."
    if entry.service:
        text += f" Service: {entry.service}."
    return text


def coverage_file(entry: Coverage) -> str:
    file = entry.origin.file
    return file[2:] if file.startswith("./") else file


def stacks_label(reports: Iterable[Report]) -> str:
    """``stacks a, b``; a name several stacks share (one per platform) with its output."""
    every = list(reports)
    names = [r.stack for r in every]
    shown = [f"{r.stack} ({r.output_dir})" if names.count(r.stack) > 1 else r.stack for r in every]
    return ("stack " if len(shown) == 1 else "stacks ") + ", ".join(shown)


_NAME_KEYS = ("table", "bucket", "keyspace", "database", "identifier", "queue")
_QUALIFIER_KEYS = ("engine", "mode", "region")
_ORIGINS = {"terraform-json": "name from Terraform's JSON", "hcl": "name from the HCL"}


def endpoint_parts(end: dict[str, object], default_where: str = "") -> tuple[str, str, str]:
    """(what, name, where) of a data plan source or target: ("table", "items", "scylladb
    (alternator)"); ``where`` is the service (or ``default_where``) plus engine/mode, and
    for a source generated with ``--terraform-json`` its region and where its name came
    from ("AWS (eu-west-1, name from Terraform's JSON)")."""
    what = next((k for k in _NAME_KEYS if end.get(k) not in (None, "")), "")
    name = str(end.get(what, "")) if what else ""
    where = str(end.get("service") or default_where)
    qualifiers = [str(end[k]) for k in _QUALIFIER_KEYS if end.get(k) not in (None, "")]
    origin = _ORIGINS.get(str(end.get("origin")))
    qualifiers += [origin] if origin else []
    if qualifiers:
        where = f"{where} ({', '.join(qualifiers)})" if where else ", ".join(qualifiers)
    return what, name, where


def endpoint_text(end: dict[str, object], default_where: str = "") -> str:
    """Plain one-line text: ``table items on scylladb (alternator)``."""
    what, name, where = endpoint_parts(end, default_where)
    if not name:
        return where or "?"
    return f"{what} {name} on {where}" if where else f"{what} {name}"


def move_text(move: DataMove) -> str:
    """``dynamodb aws_dynamodb_table.items: table items on AWS -> table items on scylladb``."""
    source = endpoint_text(move.source, "AWS")
    return f"{move.kind} {move.address}: {source} -> {endpoint_text(move.target)}"
