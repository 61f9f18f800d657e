"""The PR comment / job summary body, within GitHub's size limit.

Layout: hidden marker line, status title, one count line, a warning when a
service or data store would be removed, the data migration that would run on merge
(when the stack's data plan changed), one ``<details>`` per drifted file
with a ``diff`` fence, the unmapped table (always expanded), partly mapped and
inferred entries (collapsed), a notice when something was cut, the run link.

Over budget, per-file diffs are cut from the middle first (head and tail
kept), then reduced to their summary, then left out; the marker, title, count
line and unmapped table always stay (the table's rows are cut, with a note,
only when the table alone does not fit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cloudexit_ci.diff import Drift
from cloudexit_ci.manifest import DataMove
from cloudexit_ci.report import Report
from cloudexit_ci.reporters._common import (
    MAX_CHANGES_LISTED,
    coverage_file,
    endpoint_parts,
    ordered_drifts,
    plural,
)
from cloudexit_ci.reporters._mdtext import cell, clip, code_span, cut_middle, fenced

COMMENT_LIMIT = 65536
MIN_MAX_CHARS = 8192
MARKER_PREFIX = "<!-- cloudexit-ci: "
MARKER_SUFFIX = " -->"
_NOTICE_RESERVE = 1500
_MIN_DIFF = 300
_NAMES_SHOWN = 10
_MOVES_SHOWN = 25


def marker_line(report: Report) -> str:
    """``<!-- cloudexit-ci: {"stack": "...", "v": 1, "drift": .., "unmapped": ..} -->``.

    One line of JSON (``<``, ``>``, ``&`` escaped so it cannot end the comment);
    ``drift`` and ``unmapped`` let the comment poster tell a clean stack without
    reading the JSON report.
    """
    data = {"stack": report.stack, "v": 1, "drift": not report.in_sync}
    data["unmapped"] = len(report.unmapped)
    payload = json.dumps(data, ensure_ascii=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{MARKER_PREFIX}{payload}{MARKER_SUFFIX}"


# --- fixed parts ----------------------------------------------------------------------------


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(code_span(clip(n, 60)) for n in names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _title(report: Report) -> str:
    stack = code_span(clip(report.stack, 100))
    if report.errors:
        return f"### ❌ cloudexit-ci: stack {stack} could not be checked"
    if report.drifts:
        return f"### ⚠️ cloudexit-ci: drift in stack {stack}"
    return f"### ✅ cloudexit-ci: stack {stack} in sync"


def _count_line(report: Report) -> str:
    c = report.counts
    return (
        f"**Services:** {c.services_added} added · {c.services_changed} changed · "
        f"{c.services_removed} removed — **Files drifted:** {c.files_drifted} — "
        f"**Unmapped resources:** {c.unmapped}"
    )


def _warning(report: Report) -> str:
    delta = report.services
    if not delta.removed:
        return ""
    lines = ["> [!WARNING]"]
    if delta.data_removed:
        lines.append(
            f"> This change removes the data store service(s) {_names(delta.data_removed)}. "
            "Back up or migrate their data (`cloudexit-ci migrate-data`) before merging."
        )
    lines.append(f"> Services removed: {_names(delta.removed)}.")
    return "\n".join(lines) + "\n"


def _errors(report: Report) -> str:
    if not report.errors:
        return ""
    lines = ["> [!CAUTION]"]
    for error in report.errors[:5]:
        where = f"{code_span(clip(error.where, 120))}: " if error.where else ""
        hint = f" (fix: {error.hint})" if error.hint else ""
        lines.append(f"> {where}{cell(clip(error.message + hint, 300))}")
    if len(report.errors) > 5:
        lines.append(f"> … and {len(report.errors) - 5} more errors.")
    return "\n".join(lines) + "\n"


def _endpoint(end: dict[str, object], default_where: str) -> str:
    what, name, where = endpoint_parts(end, default_where)
    where = cell(clip(where, 80))
    if not name:
        return where or "?"
    text = f"{cell(what)} {code_span(clip(name, 80), in_table=True)}"
    return f"{text} on {where}" if where else text


def _move_row(change: str, move: DataMove, source: str, target: str) -> str:
    address = code_span(clip(move.address, 120), in_table=True)
    return f"| {change} | {cell(clip(move.kind, 40))} | {address} | {source} | {target} |\n"


def _data_migration(report: Report) -> str:
    """What the action's migrate-on-merge step would copy once this change is merged."""
    delta = report.data_plan
    if not delta.any:
        return ""
    rows = [
        _move_row("added", m, _endpoint(m.source, "AWS"), _endpoint(m.target, ""))
        for m in delta.added
    ]
    for change in delta.changed:
        before, after = change.before, change.after
        source = _endpoint(after.source, "AWS")
        if before.source != after.source:
            source = f"{_endpoint(before.source, 'AWS')} → {source}"
        target = _endpoint(after.target, "")
        if before.target != after.target:
            target = f"{_endpoint(before.target, '')} → {target}"
        rows.append(_move_row("changed", after, source, target))
    rows += [
        _move_row(
            "removed", m, _endpoint(m.source, "AWS"), "_no longer migrated (nothing is deleted)_"
        )
        for m in delta.removed
    ]
    more = len(rows) - _MOVES_SHOWN
    copies = len(delta.to_copy)
    text = (
        "#### Data migration on merge\n\n"
        f"Once the regenerated stack is merged, {plural(copies, 'data store')} "
        f"{'is' if copies == 1 else 'are'} copied by `cloudexit-ci migrate-data` "
        "(the action's `migrate-data: true`); entries already migrated are skipped.\n\n"
        "| Change | Kind | Resource | Source | Target |\n|---|---|---|---|---|\n"
        + "".join(rows[:_MOVES_SHOWN])
    )
    if more > 0:
        text += f"\n_… and {plural(more, 'more data plan change')} (see the json report)._\n"
    return text


def _fix_line(report: Report) -> str:
    if not report.drifts:
        return ""
    text = "**Fix:** run `cloudexit-ci check --fix` and commit the result."
    if any(d.kind == "hand-edited" for d in report.drifts):
        text += " Hand-edited files: move the edit into the Terraform or `.cloudexit.yml` first."
    return text + "\n"


def _head(report: Report) -> str:
    parts = [marker_line(report), _title(report), "", _count_line(report), ""]
    text = "\n".join(parts) + "\n"
    if report.drifts:
        text += _fix_line(report) + "\n"
    for block in (_warning(report), _errors(report), _data_migration(report)):
        if block:
            text += block + "\n"
    return text


_TABLE_HEAD = (
    "#### Unmapped resources\n\n| Type | Address | Location | Reason |\n|---|---|---|---|\n"
)


def _row(report: Report, index: int) -> str:
    entry = report.unmapped[index]
    where = f"{coverage_file(entry)}:{entry.origin.line}"
    cells = [code_span(x, in_table=True) for x in (entry.type, entry.origin.address, where)]
    return "| " + " | ".join([*cells, cell(clip(entry.reason, 500))]) + " |\n"


def _table(report: Report, budget: int | None) -> tuple[str, int]:
    """The unmapped table, rows cut to ``budget`` if given; returns (text, rows left out)."""
    if not report.unmapped:
        return "", 0
    text, rows = _TABLE_HEAD, len(report.unmapped)
    for index in range(rows):
        row = _row(report, index)
        if budget is not None and len(text) + len(row) + 120 > budget:
            left = rows - index
            return text + f"\n_{plural(left, 'more unmapped resource')} not shown._\n\n", left
        text += row
    return text + "\n", 0


def _others(report: Report) -> str:
    entries = report.partial + report.inferred
    if not entries:
        return ""
    rows = "".join(
        f"| {e.status} | {code_span(e.origin.address, in_table=True)} | "
        f"{code_span(f'{coverage_file(e)}:{e.origin.line}', in_table=True)} | "
        f"{cell(clip(e.reason, 300))} |\n"
        for e in entries
    )
    return (
        f"<details><summary>Partly mapped and inferred ({len(entries)})</summary>\n\n"
        f"| Status | Address | Location | Note |\n|---|---|---|---|\n{rows}\n</details>\n\n"
    )


# --- drift sections ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    text: str
    mode: str  # "full", "cut", "summary"


def _change_bullets(drift: Drift) -> list[str]:
    lines = []
    for change in drift.changes[:MAX_CHANGES_LISTED]:
        if change.old is None:
            what = f"added {code_span(change.new or '')}"
        elif change.new is None:
            what = f"removed (was {code_span(change.old)})"
        else:
            what = f"{code_span(change.old)} → {code_span(change.new)}"
        lines.append(f"{code_span(change.path)}: {what}")
    if len(drift.changes) > MAX_CHANGES_LISTED:
        lines.append(f"… and {len(drift.changes) - MAX_CHANGES_LISTED} more changes")
    if drift.note:
        lines.append(f"_{cell(drift.note)}_")
    return lines


def _section(report: Report, drift: Drift, cap: int | None) -> _Section:
    path = cell(report.repo_path(drift))
    summary = f"<details><summary><code>{path}</code> ({drift.kind})</summary>\n\n"
    bullets = "".join(f"- {line}\n" for line in _change_bullets(drift))
    head = summary + bullets + ("\n" if bullets else "")
    tail = "\n</details>\n\n"
    lines = drift.unified.rstrip("\n").split("\n")
    full = head + fenced("\n".join(lines), "diff") + tail
    if cap is None or len(full) <= cap:
        return _Section(full, "full")
    room = cap - len(head) - len(tail) - 40
    if room >= _MIN_DIFF:
        kept, _ = cut_middle(lines, room)
        return _Section(head + fenced("\n".join(kept), "diff") + tail, "cut")
    return _Section(summary + "_Diff left out (too large for this comment)._\n" + tail, "summary")


def _fit_sections(report: Report, budget: int) -> tuple[list[_Section], int]:
    """Sections within ``budget``: the largest cap that fits, then dropping from the end."""
    drifts = ordered_drifts(report)
    full = [_section(report, d, None) for d in drifts]
    if sum(len(s.text) for s in full) <= budget:
        return full, 0
    low, high = 0, max(len(s.text) for s in full)
    while low < high:  # largest cap whose sections fit
        mid = (low + high + 1) // 2
        if sum(len(_section(report, d, mid).text) for d in drifts) <= budget:
            low = mid
        else:
            high = mid - 1
    sections = [_section(report, d, low) for d in drifts]
    dropped = 0
    while sections and sum(len(s.text) for s in sections) > budget - 200:
        sections.pop()
        dropped += 1
    return sections, dropped


def _notice(cut: int, summarised: int, dropped: int, rows_left: int, run_url: str | None) -> str:
    what = []
    if cut:
        what.append(f"{plural(cut, 'diff')} cut in the middle")
    if summarised:
        what.append(f"{plural(summarised, 'diff')} left out")
    if dropped:
        what.append(f"{plural(dropped, 'drifted file')} not listed")
    if rows_left:
        what.append(f"{plural(rows_left, 'unmapped row')} not shown")
    if not what:
        return ""
    where = (
        f"the [workflow run]({_url(run_url)}) (job summary and report artifact)"
        if run_url
        else "the output of `cloudexit-ci check` (or its `--format json` report)"
    )
    return (
        f"> [!NOTE]\n> Shortened to fit this comment: {', '.join(what)}. Full report: {where}.\n\n"
    )


def _url(run_url: str) -> str:
    return "<" + "".join(c for c in run_url if c not in "<>\r\n") + ">"


def _link(run_url: str | None) -> str:
    return f"[View the workflow run]({_url(run_url)})\n" if run_url else ""


def _shortened(report: Report, run_url: str | None, max_chars: int) -> str:
    head, link, others = _head(report), _link(run_url), _others(report)
    reserve = len(head) + 2 * len(link) + _NOTICE_RESERVE
    table, rows_left = _table(report, max_chars - reserve)
    sections, dropped = _fit_sections(report, max_chars - reserve - len(table))
    while True:
        cut = sum(s.mode == "cut" for s in sections)
        summarised = sum(s.mode == "summary" for s in sections)
        body = "".join(s.text for s in sections)
        if dropped:
            body += f"_… and {plural(dropped, 'more drifted file')} (see the full report)._\n\n"
        notice = _notice(cut, summarised, dropped, rows_left, run_url)
        parts = [head, body, table, others, notice, link]
        if sum(map(len, parts)) <= max_chars or not (others or sections):
            return "".join(parts)
        if others:
            others = ""
        else:
            sections.pop()
            dropped += 1


def render_markdown(
    report: Report, *, run_url: str | None = None, max_chars: int = COMMENT_LIMIT
) -> str:
    """One stack's comment body, at most ``max_chars`` characters (>= MIN_MAX_CHARS)."""
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}")
    head, link, others = _head(report), _link(run_url), _others(report)
    table, _ = _table(report, None)
    body = "".join(_section(report, d, None).text for d in ordered_drifts(report))
    full = head + body + table + others + link
    if len(full) <= max_chars:
        return full
    return _shortened(report, run_url, max_chars)


def render(
    reports: list[Report],
    *,
    color: bool = False,
    run_url: str | None = None,
    max_chars: int = COMMENT_LIMIT,
) -> str:
    """Every stack's body, joined by rules; ``max_chars`` is shared evenly."""
    if not reports:
        return ""
    separator = "\n---\n\n"
    share = (max_chars - len(separator) * (len(reports) - 1)) // len(reports)
    return separator.join(render_markdown(r, run_url=run_url, max_chars=share) for r in reports)
