"""GitHub Actions workflow commands: ``::error``/``::warning`` annotations.

GitHub shows at most 10 annotations per severity per step, so the 10 most
important of each are emitted (user errors, hand edits, missing, changed,
extra; blocking unmapped, unmapped, partial) and one ``::notice`` says how
many were left out. Data and properties are escaped as the runner expects.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudexit_ci.report import Report
from cloudexit_ci.reporters._common import (
    coverage_file,
    coverage_message,
    drift_message,
    ordered_drifts,
    ordered_findings,
    plural,
)

MAX_PER_SEVERITY = 10


@dataclass(frozen=True)
class Annotation:
    severity: str  # "error" | "warning" | "notice"
    message: str
    title: str
    file: str | None = None
    line: int | None = None

    def command(self) -> str:
        props = []
        if self.file:
            props.append(f"file={escape_property(self.file)}")
        if self.line is not None:
            props.append(f"line={max(1, self.line)}")
        props.append(f"title={escape_property(self.title)}")
        return f"::{self.severity} {','.join(props)}::{escape_data(self.message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _errors(report: Report) -> list[Annotation]:
    out = []
    for error in report.errors:
        file, _, line = (error.where or "").partition(":")
        message = error.message + (f"\nFix: {error.hint}" if error.hint else "")
        title = f"cloudexit-ci: stack {report.stack} could not be checked"
        out.append(
            Annotation("error", message, title, file or None, int(line) if line.isdigit() else None)
        )
    return out


def _drifts(report: Report) -> list[Annotation]:
    return [
        Annotation(
            "error",
            drift_message(drift),
            f"cloudexit-ci drift ({drift.kind})",
            report.repo_path(drift),
            drift.line,
        )
        for drift in ordered_drifts(report)
    ]


def _findings(report: Report) -> list[Annotation]:
    return [
        Annotation(
            "warning",
            coverage_message(entry),
            f"cloudexit-ci: {entry.status} {entry.type}",
            coverage_file(entry),
            entry.origin.line,
        )
        for entry in ordered_findings(report)
    ]


def all_annotations(reports: list[Report]) -> list[Annotation]:
    """Every annotation, most important first within each severity."""
    errors = [a for r in reports for a in _errors(r)]
    errors += [a for r in reports for a in _drifts(r)]
    warnings = [a for r in reports for a in _findings(r)]
    return errors + warnings


def render(reports: list[Report], *, color: bool = False, run_url: str | None = None) -> str:
    shown: list[str] = []
    left: dict[str, int] = {}
    for annotation in all_annotations(reports):
        if sum(a.startswith(f"::{annotation.severity} ") for a in shown) < MAX_PER_SEVERITY:
            shown.append(annotation.command())
        else:
            left[annotation.severity] = left.get(annotation.severity, 0) + 1
    if left:
        counts = " and ".join(plural(n, sev) for sev, n in sorted(left.items()))
        where = f" See {run_url}" if run_url else " See the step log or job summary."
        text = f"cloudexit-ci: {counts} not shown as annotations (GitHub shows 10 per kind).{where}"
        shown.append(Annotation("notice", text, "cloudexit-ci: more findings").command())
    return "".join(line + "\n" for line in shown)
