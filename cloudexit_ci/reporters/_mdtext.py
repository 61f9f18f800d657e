"""Markdown building blocks that stay well-formed whatever text goes in.

Everything here works on Python ``str`` (characters), so a cut never splits a
UTF-8 sequence. Fences are chosen longer than any backtick run inside them.
"""

from __future__ import annotations

import html
import re

_BACKTICKS = re.compile(r"`+")


def longest_backticks(text: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(text)), default=0)


def code_span(text: str, *, in_table: bool = False) -> str:
    """Inline code that survives backticks and newlines (and pipes, in a table cell)."""
    text = text.replace("\n", " ")
    if in_table:
        text = text.replace("|", "\\|")
    ticks = "`" * (longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def cell(text: str) -> str:
    """Plain table-cell text: one line, pipes escaped, no raw HTML."""
    return html.escape(text.replace("\n", " "), quote=False).replace("|", "\\|")


def fence_for(body: str) -> str:
    return "`" * max(3, longest_backticks(body) + 1)


def fenced(body: str, info: str) -> str:
    fence = fence_for(body)
    if body and not body.endswith("\n"):
        body += "\n"
    return f"{fence}{info}\n{body}{fence}\n"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def cut_middle(lines: list[str], budget: int) -> tuple[list[str], int]:
    """Keep head and tail lines within ``budget`` characters (newlines included).

    Returns the kept lines (with a marker line where the middle was cut) and the
    number of lines cut. Over-long single lines are clipped.
    """
    total = sum(len(line) + 1 for line in lines)
    if total <= budget:
        return lines, 0
    half = max(0, (budget - 60) // 2)
    head = _take(lines, half)
    tail = _take(lines[len(head) :][::-1], half)[::-1]
    cut = len(lines) - len(head) - len(tail)
    marker = f"… {cut} lines cut from the middle of this diff …"
    return [*head, marker, *tail], cut


def _take(lines: list[str], budget: int) -> list[str]:
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            room = budget - used - 1
            if room >= 20 and not kept:
                kept.append(clip(line, room))
            break
        kept.append(line)
        used += len(line) + 1
    return kept
