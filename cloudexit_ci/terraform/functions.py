"""The Terraform built-in functions we evaluate (pure ones only).

Functions that read files take a ``FileReader`` that refuses paths escaping the
repository. Anything not listed here stays an Unknown expression and is reported.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import posixpath
import re
from collections.abc import Callable
from typing import Any

from cloudexit_ci.terraform.expressions import Computed, Unknown, is_known, to_string

Func = Callable[..., Any]


def _format(fmt: str, *args: Any) -> str:
    out, i, argi = [], 0, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        m = re.match(r"%([-+# 0]*)(\d*)(?:\.(\d+))?([a-zA-Z%])", fmt[i:])
        if not m:
            raise ValueError(f"bad format verb at {fmt[i:]!r}")
        verb = m.group(4)
        if verb == "%":
            out.append("%")
        else:
            out.append(_verb(verb, args[argi], m.group(1), m.group(2), m.group(3)))
            argi += 1
        i += m.end()
    return "".join(out)


def _verb(verb: str, arg: Any, flags: str, width: str, prec: str | None) -> str:
    spec = flags + width + (f".{prec}" if prec else "")
    if verb in ("s", "v"):
        return f"{to_string(arg) if verb == 's' else _jsonish(arg):{spec.replace('-', '<')}}"
    if verb == "d":
        return ("%" + spec + "d") % int(arg)
    if verb in ("f", "e", "g"):
        return ("%" + spec + verb) % float(arg)
    if verb == "q":
        return json.dumps(to_string(arg))
    if verb in ("x", "X", "o", "b"):
        return format(int(arg), verb)
    if verb == "t":
        return "true" if arg else "false"
    raise ValueError(f"unsupported format verb %{verb}")


def _jsonish(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def jsonencode(value: Any) -> Any:
    if not is_known(value):
        return Unknown("jsonencode(...)", "the value holds parts known only after apply")
    return json.dumps(value, separators=(",", ":"), sort_keys=False, ensure_ascii=False)


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item:
            out.update(item)
    return out


def _lookup(mapping: dict[str, Any], key: Any, *default: Any) -> Any:
    if to_string(key) in mapping:
        return mapping[to_string(key)]
    if default:
        return default[0]
    raise KeyError(key)


def _try(*values: Any) -> Any:
    for value in values:
        if not isinstance(value, Unknown):
            return value
    return values[-1] if values else None


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, (Unknown, Computed)):
            return value
        if value not in (None, ""):
            return value
    raise ValueError("no non-null argument")


def _flatten(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _distinct(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _toset(value: list[Any]) -> list[Any]:
    return sorted(_distinct(list(value)), key=lambda v: (str(type(v)), to_string(v)))


def _substr(s: str, offset: int, length: int) -> str:
    return s[offset:] if length < 0 else s[offset : offset + length]


def _element(seq: list[Any], index: int) -> Any:
    return seq[int(index) % len(seq)]


def _range(*args: Any) -> list[int]:
    return list(range(*(int(a) for a in args)))


def _regex(pattern: str, s: str) -> Any:
    m = re.search(_go_regex(pattern), s)
    if not m:
        raise ValueError("pattern did not match")
    if m.groupdict():
        return m.groupdict()
    return list(m.groups()) if m.groups() else m.group(0)


def _go_regex(pattern: str) -> str:
    return pattern.replace("(?P<", "(?P<")


def _slice(seq: list[Any], start: int, end: int) -> list[Any]:
    return seq[int(start) : int(end)]


def _one(seq: list[Any]) -> Any:
    if len(seq) > 1:
        raise ValueError("more than one element")
    return seq[0] if seq else None


def _tonumber(value: Any) -> Any:
    if value is None:
        return None
    text = to_string(value)
    return float(text) if any(c in text for c in ".eE") else int(text)


def _tobool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "false": False}[to_string(value)]


def _sha(algo: str) -> Func:
    return lambda s: hashlib.new(algo, to_string(s).encode()).hexdigest()


def _title(s: str) -> str:
    return re.sub(r"\b([a-z])", lambda m: m.group(1).upper(), s)


PURE: dict[str, Func] = {
    "abs": abs,
    "base64decode": lambda s: base64.b64decode(s).decode(),
    "base64encode": lambda s: base64.b64encode(to_string(s).encode()).decode(),
    "basename": posixpath.basename,
    "can": lambda v: not isinstance(v, Unknown),
    "ceil": math.ceil,
    "chomp": lambda s: s.rstrip("\r\n"),
    "coalesce": _coalesce,
    "coalescelist": lambda *ls: next((x for x in ls if x), []),
    "compact": lambda seq: [x for x in seq if x not in (None, "")],
    "concat": lambda *ls: [x for seq in ls for x in seq],
    "contains": lambda seq, v: v in seq,
    "dirname": posixpath.dirname,
    "distinct": _distinct,
    "element": _element,
    "endswith": lambda s, suffix: s.endswith(suffix),
    "flatten": _flatten,
    "floor": math.floor,
    "format": _format,
    "formatlist": lambda fmt, *ls: [_format(fmt, *row) for row in zip(*ls, strict=False)],
    "index": lambda seq, v: seq.index(v),
    "join": lambda sep, *ls: sep.join(to_string(x) for seq in ls for x in seq),
    "jsondecode": json.loads,
    "jsonencode": jsonencode,
    "keys": lambda m: sorted(m.keys()),
    "length": len,
    "lookup": _lookup,
    "lower": lambda s: s.lower(),
    "max": max,
    "md5": _sha("md5"),
    "merge": _merge,
    "min": min,
    "one": _one,
    "range": _range,
    "regex": _regex,
    "replace": lambda s, old, new: (
        re.sub(old[1:-1], new.replace("$", "\\"), s)
        if len(old) > 1 and old.startswith("/") and old.endswith("/")
        else s.replace(old, new)
    ),
    "reverse": lambda seq: list(reversed(seq)),
    "sha1": _sha("sha1"),
    "sha256": _sha("sha256"),
    "slice": _slice,
    "sort": lambda seq: sorted(seq, key=to_string),
    "split": lambda sep, s: s.split(sep),
    "startswith": lambda s, prefix: s.startswith(prefix),
    "substr": _substr,
    "sum": sum,
    "title": _title,
    "tobool": _tobool,
    "tolist": list,
    "tomap": dict,
    "tonumber": _tonumber,
    "toset": _toset,
    "tostring": lambda v: None if v is None else to_string(v),
    "trim": lambda s, chars: s.strip(chars),
    "trimprefix": lambda s, p: s[len(p) :] if s.startswith(p) else s,
    "trimspace": lambda s: s.strip(),
    "trimsuffix": lambda s, p: s[: -len(p)] if p and s.endswith(p) else s,
    "try": _try,
    "upper": lambda s: s.upper(),
    "values": lambda m: [m[k] for k in sorted(m)],
    "zipmap": lambda ks, vs: dict(zip(ks, vs, strict=False)),
}
