"""Typed values of the IR: what crosses services and files is data, never ``${...}`` text.

- a plain ``str`` is literal text: it reaches the container exactly as written
  (``render/compose.py`` escapes ``$`` so Compose never interpolates it);
- ``EnvRef``: a variable the operator sets in ``.env`` (Compose interpolates it);
- ``Ref``: another resource's attribute (``aws_sqs_queue.jobs`` ``url``), turned
  into its self-hosted value by the targets stage (``targets/resolve.py``);
- ``Invoke``: the invoke URL of a function, known once targets grouped functions
  into services;
- ``Template``: a sequence of the above (``redis://`` + Ref + ``:6379``).

After the targets stage only ``str``, ``EnvRef`` and ``Template`` of those remain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, order=True)
class EnvRef:
    """``${NAME}`` in Compose; ``required`` renders ``${NAME:?set NAME in .env}``."""

    name: str
    required: bool = False


@dataclass(frozen=True, order=True)
class Ref:
    """The value of ``address``'s ``attribute`` (``cache_nodes[0].address`` keeps its path)."""

    address: str
    attribute: str


@dataclass(frozen=True, order=True)
class Invoke:
    """The shim's invoke URL for the function ``Function.key``."""

    function: str


Part: TypeAlias = str | EnvRef | Ref | Invoke


@dataclass(frozen=True)
class Template:
    parts: tuple[Part, ...]


Value: TypeAlias = str | EnvRef | Ref | Invoke | Template


def concat(*pieces: Value) -> Value:
    """Join values into one: adjacent text merged, a single part returned as itself."""
    parts: list[Part] = []
    for piece in pieces:
        for part in piece.parts if isinstance(piece, Template) else (piece,):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            elif part != "":
                parts.append(part)
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else Template(tuple(parts))


def parts_of(value: Value) -> Iterator[Part]:
    yield from value.parts if isinstance(value, Template) else (value,)


def env_names(value: Value) -> set[str]:
    """The ``.env`` variables a value reads."""
    return {p.name for p in parts_of(value) if isinstance(p, EnvRef)}


def is_resolved(value: Value) -> bool:
    """True when nothing in ``value`` waits for the targets stage."""
    return not any(isinstance(p, (Ref, Invoke)) for p in parts_of(value))


def as_text(value: Value) -> str | None:
    """The literal text of a value made only of text, else None."""
    return value if isinstance(value, str) else None
