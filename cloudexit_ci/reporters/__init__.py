"""Reporters: one plain module per output format, registered in REPORTERS.

Every reporter is ``render(reports, *, color, run_url) -> str`` and only reads
``cloudexit_ci.report.Report`` records. Importing this package is cheap (stdlib
only: no deepdiff, no jsonschema).
"""

from __future__ import annotations

from typing import Protocol

from cloudexit_ci.report import Report
from cloudexit_ci.reporters import github, json, markdown, sarif, text


class Reporter(Protocol):
    def __call__(self, reports: list[Report], *, color: bool, run_url: str | None) -> str: ...


REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
}

__all__ = ["REPORTERS", "Reporter"]
