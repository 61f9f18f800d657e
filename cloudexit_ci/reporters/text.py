"""Terminal output: unified diffs (ANSI colours when asked), one summary line last."""

from __future__ import annotations

from cloudexit_ci.diff import Drift
from cloudexit_ci.report import Report
from cloudexit_ci.reporters._common import (
    FIX_HINTS,
    change_lines,
    coverage_file,
    move_text,
    ordered_drifts,
    plural,
    stacks_label,
)

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
RED = "\x1b[31m"
GREEN = "\x1b[32m"
YELLOW = "\x1b[33m"
CYAN = "\x1b[36m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color and text else text


def _diff_line(line: str, color: bool) -> str:
    if line.startswith(("+++", "---")):
        return _paint(line, BOLD, color)
    if line.startswith("@@"):
        return _paint(line, CYAN, color)
    if line.startswith("+"):
        return _paint(line, GREEN, color)
    if line.startswith("-"):
        return _paint(line, RED, color)
    return line


def _drift_block(report: Report, drift: Drift, color: bool) -> list[str]:
    head = f"{report.repo_path(drift)}: {drift.kind}: {drift.summary}"
    lines = [_paint(head, BOLD + YELLOW, color)]
    lines += [f"  {text}" for text in change_lines(drift)]
    lines += [_diff_line(line, color) for line in drift.unified.splitlines()]
    lines.append(f"  fix: {FIX_HINTS[drift.kind]}")
    return lines


def _report_lines(report: Report, color: bool) -> list[str]:
    lines: list[str] = []
    for error in report.errors:
        where = f"{error.where}: " if error.where else ""
        hint = f" (fix: {error.hint})" if error.hint else ""
        lines.append(_paint(f"error: {where}{error.message}{hint}", RED, color))
    for drift in ordered_drifts(report):
        lines += [*_drift_block(report, drift, color), ""]
    for entry in report.unmapped + report.partial:
        where = f"{coverage_file(entry)}:{entry.origin.line}"
        text = f"{where}: {entry.status}: {entry.origin.address} ({entry.type}): {entry.reason}"
        lines.append(_paint(text, YELLOW, color))
    for entry in report.inferred:
        lines.append(f"{coverage_file(entry)}:{entry.origin.line}: inferred: {entry.reason}")
    delta = report.data_plan
    moves = [("added", m) for m in delta.added] + [("changed", c.after) for c in delta.changed]
    for change, move in moves:
        lines.append(f"data migration on merge: {change}: {move_text(move)}")
    for move in delta.removed:
        lines.append(f"data migration on merge: removed (no longer migrated): {move_text(move)}")
    return lines


def summary_line(reports: list[Report]) -> str:
    drifted = sum(len(r.drifts) for r in reports)
    unmapped = sum(len(r.unmapped) for r in reports)
    errors = sum(len(r.errors) for r in reports)
    in_sync = not drifted and not errors
    parts = ["in sync" if in_sync else plural(drifted, "file") + " drifted"]
    parts.append(plural(unmapped, "unmapped resource"))
    if errors:
        parts.append(plural(errors, "error"))
    return f"cloudexit-ci: {', '.join(parts)} ({stacks_label(reports)})"


def render(reports: list[Report], *, color: bool, run_url: str | None) -> str:
    lines: list[str] = []
    for report in reports:
        lines += _report_lines(report, color)
    if run_url:
        lines.append(f"Run: {run_url}")
    lines.append(summary_line(reports))
    return "\n".join(lines) + "\n"
