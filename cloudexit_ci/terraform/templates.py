"""Template text (heredoc bodies, JSON-syntax strings) split into literals and ``${…}`` parts.

This module only cuts text; ``parse.template_from_text`` parses the pieces, so
the modules import in one direction: templates ← parse ← jsonsyntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Piece:
    """One ``${…}`` (``directive=False``) or ``%{…}`` part of a template text."""

    inner: str  # the text between the braces, strip markers removed
    raw: str  # the whole ``${…}`` / ``%{…}`` text
    line_offset: int  # newlines before it in the template text
    directive: bool


def merge_literals(parts: list[str | T]) -> tuple[str | T, ...]:
    """Adjacent literal strings merged into one."""
    merged: list[str | T] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        else:
            merged.append(part)
    return tuple(merged)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(raw: str) -> str:
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                out.append(chr(int(raw[i + 2 : i + 2 + width], 16)))
                i += 2 + width
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_template(text: str) -> list[str | Piece]:
    """Literal text and ``${…}``/``%{…}`` pieces; ``$${`` and ``%%{`` are literal escapes."""
    parts: list[str | Piece] = []
    i, start = 0, 0
    while i < len(text):
        if text.startswith("$${", i) or text.startswith("%%{", i):
            parts.append(text[start:i] + text[i + 1 : i + 3])
            i += 3
            start = i
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            end = _closing_brace(text, i + 2)
            parts.append(text[start:i])
            inner = text[i + 2 : end].strip().strip("~").strip()
            raw = text[i : end + 1]
            parts.append(Piece(inner, raw, text.count("\n", 0, i), text[i] == "%"))
            i = end + 1
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p for p in parts if p != ""]


def _closing_brace(text: str, i: int) -> int:
    depth, quote = 1, False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text) - 1
