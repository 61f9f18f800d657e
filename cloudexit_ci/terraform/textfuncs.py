"""The string-building built-ins: ``format``, ``formatlist``, ``join``, ``tostring``.

They accept Computed/Sensitive/Interpolation values where the result is plain
text around them (``%s``/``%v``/``%d``, a ``join`` element, ``tostring``) and
return an ``Interpolation`` then; any other use raises ``Deferred`` (the caller
turns it into an Unknown naming what the value depends on).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudexit_ci.terraform.typed import (
    DEFERRED,
    Interpolation,
    Unknown,
    depends_on,
    interpolate,
    to_string,
)

_VERB = re.compile(r"%(\[\d+\])?([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])")


class DeferredArgument(Exception):
    """An argument is known only after apply (or sensitive) where its value is needed."""

    def __init__(self, value: Any) -> None:
        super().__init__(depends_on(value))
        self.value = value


class UnknownArgument(Exception):
    """An argument is Unknown: the call's value is that Unknown."""

    def __init__(self, value: Unknown) -> None:
        super().__init__(value.reason)
        self.value = value


def _plain(value: Any) -> Any:
    if isinstance(value, Unknown):
        raise UnknownArgument(value)
    if isinstance(value, DEFERRED):
        raise DeferredArgument(value)
    return value


def format_(fmt: Any, *args: Any) -> str | Interpolation:
    """Terraform's ``format``: Go-like verbs; ``%[n]`` picks an argument explicitly."""
    fmt = _plain(fmt)
    if not isinstance(fmt, str):
        raise TypeError("the format must be a string")
    out: list[Any] = []
    i, argi = 0, 0
    while i < len(fmt):
        if fmt[i] != "%":
            j = fmt.find("%", i)
            j = len(fmt) if j < 0 else j
            out.append(fmt[i:j])
            i = j
            continue
        m = _VERB.match(fmt, i)
        if not m:
            raise ValueError(f"bad format verb at {fmt[i:]!r}")
        explicit, flags, width, prec, verb = m.groups()
        i = m.end()
        if verb == "%":
            out.append("%")
            continue
        if explicit:
            argi = int(explicit[1:-1]) - 1
        if argi >= len(args):
            raise ValueError("not enough arguments for the format")
        out.append(_verb(verb, args[argi], flags, width, prec))
        argi += 1
    return interpolate(out)


def _verb(verb: str, arg: Any, flags: str, width: str, prec: str | None) -> Any:
    if isinstance(arg, Unknown):
        raise UnknownArgument(arg)
    if isinstance(arg, DEFERRED):
        if verb in ("s", "v", "d") and not (flags or width or prec):
            return arg  # text around it: an Interpolation part
        raise DeferredArgument(arg)
    spec = flags + width + (f".{prec}" if prec else "")
    if verb in ("s", "v"):
        text = to_string(arg) if verb == "s" or isinstance(arg, str) else _json(arg)
        align = "<" if "-" in flags else ">"
        return f"{text:{align}{width}{f'.{prec}' if prec else ''}}"
    if verb == "d":
        return ("%" + spec + "d") % _integer(arg)
    if verb in ("f", "e", "g", "E", "G"):
        return ("%" + spec + verb) % float(arg)
    if verb == "q":
        return json.dumps(to_string(arg), ensure_ascii=False)
    if verb in ("x", "X", "o", "b"):
        return format(_integer(arg), flags.replace("-", "<") + width + verb)
    if verb == "t":
        if not isinstance(arg, bool):
            raise TypeError("%t needs a bool")
        return "true" if arg else "false"
    raise ValueError(f"unsupported format verb %{verb}")


def _integer(value: Any) -> int:
    number = float(value) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{value!r} is not a number")
    if not float(number).is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def formatlist(fmt: Any, *args: Any) -> list[str | Interpolation]:
    """``format`` per row; list arguments must have one length, others repeat."""
    args = tuple(_plain(a) for a in args)  # a deferred list: its length is unknown
    lists = [a for a in args if isinstance(a, list)]
    lengths = {len(a) for a in lists}
    if len(lengths) > 1:
        raise ValueError("all list arguments must have the same length")
    rows = lengths.pop() if lengths else 1
    return [
        format_(fmt, *(a[row] if isinstance(a, list) else a for a in args)) for row in range(rows)
    ]


def join(separator: Any, *lists: Any) -> str | Interpolation:
    """Terraform's ``join``: elements may be Computed/Sensitive (an Interpolation then)."""
    separator = _plain(separator)
    if not isinstance(separator, str):
        raise TypeError("the separator must be a string")
    if not lists:
        raise ValueError("at least one list is required")
    parts: list[Any] = []
    for items in lists:
        items = _plain(items)
        if not isinstance(items, list):
            raise TypeError("join takes lists")
        for item in items:
            if isinstance(item, Unknown):
                raise UnknownArgument(item)
            if item is None:
                raise ValueError("an element is null")
            if parts:
                parts.append(separator)
            parts.append(item if isinstance(item, DEFERRED) else to_string(item))
    return interpolate(parts)


def tostring(value: Any) -> str | Interpolation | None:
    """Terraform's ``tostring``: null stays null; a Computed/Sensitive becomes text."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        raise UnknownArgument(value)
    if isinstance(value, DEFERRED):
        return interpolate([value])
    return to_string(value)


def go_regex(pattern: str) -> str:
    """RE2 syntax → Python: ``(?<name>`` is ``(?P<name>``."""
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)


def regex(pattern: str, text: str) -> Any:
    found = re.search(go_regex(pattern), text)
    if not found:
        raise ValueError("pattern did not match")
    return _groups(found)


def regexall(pattern: str, text: str) -> list[Any]:
    return [_groups(m) for m in re.finditer(go_regex(pattern), text)]


def _groups(found: re.Match[str]) -> Any:
    if found.groupdict():
        return found.groupdict()
    return list(found.groups()) if found.groups() else found.group(0)


def replace(text: str, old: str, new: str) -> str:
    """A plain substring, or a ``/regex/`` with ``$1`` / ``${name}`` references."""
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        template = re.sub(r"\$\{(\w+)\}|\$(\d+)", lambda m: rf"\g<{m.group(1) or m.group(2)}>", new)
        return re.sub(go_regex(old[1:-1]), template, text)
    return text.replace(old, new)


def title(text: str) -> str:
    """The first letter of every word upper-cased (Go's strings.Title)."""
    return re.sub(r"(^|[^\w'])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)


def chomp(text: str) -> str:
    """One trailing newline sequence (``\\n``, ``\\r\\n`` or ``\\r``) removed."""
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def substr(text: str, offset: int, length: int) -> str:
    offset, length = int(offset), int(length)
    if offset < 0:
        offset = max(len(text) + offset, 0)
    return text[offset:] if length < 0 else text[offset : offset + length]


def strrev(text: str) -> str:
    return text[::-1]
