"""Fitting a report into GitHub's size limits: the comment (characters) and the step
summary (bytes).

The first line (the sticky marker) is always kept; fenced code blocks (diffs) shrink
first so tables and prose survive; otherwise the tail is cut at a line boundary and
open fences / ``<details>`` are closed.
"""

from __future__ import annotations

import re
from typing import Literal

from cloudexit_ci.github import COMMENT_LIMIT

Unit = Literal["chars", "bytes"]
FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _size(text: str, unit: Unit) -> int:
    return len(text) if unit == "chars" else len(text.encode("utf-8"))


def _prefix(text: str, room: int, unit: Unit) -> str:
    if unit == "chars":
        return text[: max(room, 0)]
    return text.encode("utf-8")[: max(room, 0)].decode("utf-8", errors="ignore")


def fit_body(body: str, limit: int = COMMENT_LIMIT, unit: Unit = "chars") -> tuple[str, bool]:
    """``body`` cut to ``limit``: first line (the marker) kept, code blocks shrunk first.

    Tables and prose survive when the excess sits in fenced blocks (diffs); otherwise
    the tail is cut at a line boundary and open fences / ``<details>`` are closed.
    Returns (text, was_cut).
    """
    if _size(body, unit) <= limit:
        return body, False
    head, _, rest = body.partition("\n")
    notice = (
        f"\n\n> [!NOTE]\n> cloudexit-ci cut this report to fit GitHub's limit of {limit} "
        f"{'characters' if unit == 'chars' else 'bytes'}; the full report is in the "
        "job summary and the report file."
    )
    budget = limit - _size(head, unit) - 1 - _size(notice, unit)
    lines = _shrink_fences(rest.split("\n"), budget, unit)
    text = "\n".join(lines)
    if _size(text, unit) > budget:
        text = _hard_cut(lines, budget, unit)
    return f"{head}\n{text}{notice}", True


def _fences(lines: list[str]) -> list[tuple[int, int]]:
    """(first content line, closing line) of every closed fenced block."""
    blocks: list[tuple[int, int]] = []
    opener: tuple[int, str] | None = None
    for index, line in enumerate(lines):
        match = FENCE_RE.match(line)
        if not match:
            continue
        if opener is None:
            opener = (index, match.group(1))
        elif match.group(1)[0] == opener[1][0] and len(match.group(1)) >= len(opener[1]):
            blocks.append((opener[0] + 1, index))
            opener = None
    return blocks


def _shrink_fences(lines: list[str], budget: int, unit: Unit) -> list[str]:
    blocks = sorted(_fences(lines), key=lambda b: -_size("\n".join(lines[b[0] : b[1]]), unit))
    excess = _size("\n".join(lines), unit) - budget
    cuts: dict[int, tuple[int, int]] = {}
    for start, end in blocks:
        if excess <= 0:
            break
        keep = end
        removed = 0
        while keep > start and removed < excess + 80:
            keep -= 1
            removed += _size(lines[keep], unit) + 1
        cuts[start] = (keep, end)
        excess -= removed - 80
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in cuts:
            keep, end = cuts[index]
            out.extend(lines[index:keep])
            out.append(f"… {end - keep} more lines cut by cloudexit-ci …")
            index = end
            continue
        out.append(lines[index])
        index += 1
    return out


def _hard_cut(lines: list[str], budget: int, unit: Unit) -> str:
    room = budget - 200  # reserve for the closers
    kept: list[str] = []
    fence: str | None = None
    details = 0
    for line in lines:
        size = _size(line, unit) + 1
        if size > room:
            kept.append(_prefix(line, room - 1, unit))
            break
        kept.append(line)
        room -= size
        match = FENCE_RE.match(line)
        if match:
            fence = None if fence else match.group(1)
        details += line.count("<details") - line.count("</details>")
    closers = ([fence] if fence else []) + ["</details>"] * max(details, 0)
    return "\n".join(kept + closers)
