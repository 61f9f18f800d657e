"""The Terraform built-in functions we evaluate (pure ones only).

Anything not listed here stays an Unknown expression and is reported.

How a function treats an argument that is not plain data is table-driven
(``POLICY``):

- ``TEXT``: builds text around Computed/Sensitive values → an ``Interpolation``
  (``tostring``, ``format``, ``formatlist``, ``join``);
- ``OPAQUE``: takes any value as a whole and may return it (``try``, ``can``,
  ``coalesce``);
- ``STRUCTURE`` (with the argument positions that may themselves be deferred):
  only moves values around, so Computed/Sensitive/Unknown values *inside* the
  lists and maps it gets are carried into the result (``concat``, ``merge``,
  ``lookup``…);
- ``VALUE`` (every other function): needs the whole value; an Unknown anywhere in
  the arguments is the result, and a Computed/Sensitive/Interpolation anywhere
  gives ``Unknown("name(...)", "depends on <address.attr> (known after apply)")``.
  ``jsonencode`` is one: it never writes a reference as text.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.terraform import textfuncs
from cloudexit_ci.terraform.textfuncs import DeferredArgument, UnknownArgument
from cloudexit_ci.terraform.typed import (
    NOT_PLAIN,
    Unknown,
    depends_on,
    first_unknown,
    to_string,
    walk,
)

Func = Callable[..., Any]


@dataclass(frozen=True)
class Policy:
    kind: str  # "text" | "opaque" | "structure" | "value"
    carried: frozenset[int] = frozenset()  # structure: positions that may be deferred
    all_carried: bool = False  # structure: every position may be deferred


TEXT = Policy("text")
OPAQUE = Policy("opaque")
VALUE = Policy("value")


def _structure(*carried: int, every: bool = False) -> Policy:
    return Policy("structure", frozenset(carried), every)


def jsonencode(value: Any) -> str:
    """Compact JSON with object keys sorted and ``<>&`` escaped, as Terraform writes it."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError("merge takes maps or objects")
        out.update(item)
    return out


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict):
        raise TypeError("lookup takes a map")
    if to_string(key) in mapping:
        return mapping[to_string(key)]
    if default:
        return default[0]
    raise KeyError(f"no key {key!r} and no default")


def _failure(value: Any) -> Unknown | None:
    """The first Unknown in ``value`` (an error one first: Terraform would fail)."""
    unknowns = [v for v in walk(value) if isinstance(v, Unknown)]
    return next((u for u in unknowns if u.error), unknowns[0] if unknowns else None)


def _try(*values: Any) -> Any:
    """The first argument that evaluates without an error; an argument merely not
    known here makes the result not known either."""
    if not values:
        raise ValueError("try needs at least one argument")
    for value in values:
        failure = _failure(value)
        if failure is None:
            return value
        if not failure.error:
            return failure
    return Unknown("try(...)", "no argument evaluates without an error", error=True)


def _can(value: Any) -> Any:
    failure = _failure(value)
    if failure is None:
        return True
    return False if failure.error else failure


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, NOT_PLAIN):
            return value  # may be the first non-empty one: it stands for the result
        if value not in (None, ""):
            return value
    raise ValueError("no non-null, non-empty argument")


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
    """A set as a sorted list: strings lexicographically, numbers numerically; deferred
    elements keep their order after the known ones."""
    items = _distinct(list(value))
    known = [v for v in items if not isinstance(v, NOT_PLAIN)]
    later = [v for v in items if isinstance(v, NOT_PLAIN)]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in known):
        return sorted(known) + later
    return sorted(known, key=lambda v: json.dumps(v, sort_keys=True)) + later


def _element(seq: list[Any], index: int) -> Any:
    if not seq:
        raise ValueError("cannot use element with an empty list")
    if int(index) < 0:
        raise ValueError("cannot use element with a negative index")
    return seq[int(index) % len(seq)]


def _range(*args: Any) -> list[Any]:
    if not 1 <= len(args) <= 3:
        raise ValueError("range takes 1 to 3 arguments")
    start, limit = (0, args[0]) if len(args) == 1 else (args[0], args[1])
    step = args[2] if len(args) == 3 else (1 if limit >= start else -1)
    if step == 0:
        raise ValueError("the step must not be zero")
    out: list[Any] = []
    value = start
    while (value < limit) if step > 0 else (value > limit):
        out.append(value)
        value += step
        if len(out) > 1024:
            raise ValueError("more than 1024 elements")
    return out


def _slice(seq: list[Any], start: int, end: int) -> list[Any]:
    if not 0 <= int(start) <= int(end) <= len(seq):
        raise ValueError("the indexes are out of range")
    return seq[int(start) : int(end)]


def _one(seq: list[Any]) -> Any:
    if len(seq) > 1:
        raise ValueError("more than one element")
    return seq[0] if seq else None


def _tonumber(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    text = to_string(value)
    return float(text) if any(c in text for c in ".eE") else int(text)


def _tobool(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "false": False}[to_string(value)]


def _sha(algo: str) -> Func:
    return lambda s: hashlib.new(algo, to_string(s).encode()).hexdigest()


def _index(seq: list[Any], value: Any) -> int:
    if value not in seq:
        raise ValueError("the item is not in the list")
    return seq.index(value)


def _keys(mapping: dict[str, Any]) -> list[str]:
    if not isinstance(mapping, dict):
        raise TypeError("keys takes a map")
    return sorted(mapping)


def _values(mapping: dict[str, Any]) -> list[Any]:
    if not isinstance(mapping, dict):
        raise TypeError("values takes a map")
    return [mapping[k] for k in sorted(mapping)]


def _zipmap(keys: list[Any], values: list[Any]) -> dict[str, Any]:
    if len(keys) != len(values):
        raise ValueError("the lists must have the same length")
    return {to_string(k): v for k, v in zip(keys, values, strict=True)}


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("a list is required")
    return list(value)


def _map(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("a map is required")
    return dict(value)


def _setproduct(*sets: list[Any]) -> list[list[Any]]:
    out: list[list[Any]] = [[]]
    for items in sets:
        out = [[*row, item] for row in out for item in _list(items)]
    return out if sets else []


def _set_op(keep: Callable[[Any, list[list[Any]]], bool]) -> Func:
    def op(first: list[Any], *others: list[Any]) -> list[Any]:
        rest = [_list(o) for o in others]
        return _toset([v for v in _list(first) if keep(v, rest)])

    return op


def _all_true(seq: list[Any]) -> bool:
    return all(v is True or v == "true" for v in seq)


def _any_true(seq: list[Any]) -> bool:
    return any(v is True or v == "true" for v in seq)


def _chunklist(seq: list[Any], size: int) -> list[list[Any]]:
    if int(size) < 0:
        raise ValueError("the size must not be negative")
    if int(size) == 0:
        return [list(seq)]
    return [list(seq[i : i + int(size)]) for i in range(0, len(seq), int(size))]


# name → (implementation, how it treats values that are not plain data)
TABLE: dict[str, tuple[Func, Policy]] = {
    "abs": (abs, VALUE),
    "alltrue": (_all_true, VALUE),
    "anytrue": (_any_true, VALUE),
    "base64decode": (lambda s: base64.b64decode(s, validate=True).decode(), VALUE),
    "base64encode": (lambda s: base64.b64encode(to_string(s).encode()).decode(), VALUE),
    "basename": (posixpath.basename, VALUE),
    "can": (_can, OPAQUE),
    "ceil": (math.ceil, VALUE),
    "chunklist": (_chunklist, _structure()),
    "chomp": (textfuncs.chomp, VALUE),
    "coalesce": (_coalesce, OPAQUE),
    "coalescelist": (lambda *ls: next((x for x in ls if x), []), _structure()),
    "compact": (lambda seq: [x for x in seq if x not in (None, "")], VALUE),
    "concat": (lambda *ls: [x for seq in ls for x in _list(seq)], _structure()),
    "contains": (lambda seq, v: v in seq, VALUE),
    "dirname": (posixpath.dirname, VALUE),
    "distinct": (_distinct, VALUE),
    "element": (_element, _structure()),
    "endswith": (lambda s, suffix: s.endswith(suffix), VALUE),
    "flatten": (_flatten, _structure()),
    "floor": (math.floor, VALUE),
    "format": (textfuncs.format_, TEXT),
    "formatlist": (textfuncs.formatlist, TEXT),
    "index": (_index, VALUE),
    "join": (textfuncs.join, TEXT),
    "jsondecode": (json.loads, VALUE),
    "jsonencode": (jsonencode, VALUE),
    "keys": (_keys, _structure()),
    "length": (len, _structure()),
    "lookup": (_lookup, _structure(2)),
    "lower": (lambda s: s.lower(), VALUE),
    "max": (max, VALUE),
    "md5": (_sha("md5"), VALUE),
    "merge": (_merge, _structure()),
    "min": (min, VALUE),
    "nonsensitive": (lambda value: value, OPAQUE),  # a sensitive variable stays a secret here
    "one": (_one, _structure()),
    "range": (_range, VALUE),
    "regex": (textfuncs.regex, VALUE),
    "regexall": (textfuncs.regexall, VALUE),
    "replace": (textfuncs.replace, VALUE),
    "reverse": (lambda seq: list(reversed(_list(seq))), _structure()),
    "setintersection": (_set_op(lambda v, rest: all(v in r for r in rest)), VALUE),
    "setproduct": (_setproduct, _structure()),
    "setsubtract": (_set_op(lambda v, rest: v not in rest[0]), VALUE),
    "setunion": (lambda *sets: _toset([v for s in sets for v in _list(s)]), VALUE),
    "sha1": (_sha("sha1"), VALUE),
    "sha256": (_sha("sha256"), VALUE),
    "slice": (_slice, _structure()),
    "sort": (lambda seq: sorted(seq, key=to_string), VALUE),
    "split": (lambda sep, s: s.split(sep), VALUE),
    "startswith": (lambda s, prefix: s.startswith(prefix), VALUE),
    "strrev": (textfuncs.strrev, VALUE),
    "substr": (textfuncs.substr, VALUE),
    "sum": (sum, VALUE),
    "title": (textfuncs.title, VALUE),
    "tobool": (_tobool, VALUE),
    "tolist": (_list, _structure()),
    "tomap": (_map, _structure()),
    "tonumber": (_tonumber, VALUE),
    "toset": (_toset, _structure()),
    "tostring": (textfuncs.tostring, TEXT),
    "trim": (lambda s, chars: s.strip(chars), VALUE),
    "trimprefix": (lambda s, p: s[len(p) :] if s.startswith(p) else s, VALUE),
    "trimspace": (lambda s: s.strip(), VALUE),
    "trimsuffix": (lambda s, p: s[: -len(p)] if p and s.endswith(p) else s, VALUE),
    "try": (_try, OPAQUE),
    "upper": (lambda s: s.upper(), VALUE),
    "values": (_values, _structure()),
    "zipmap": (_zipmap, _structure()),
}


def guarded(name: str, func: Func, policy: Policy) -> Func:
    """``func`` wrapped so that values that are not plain data follow ``policy``."""

    @functools.wraps(func)
    def call(*args: Any) -> Any:
        text = f"{name}(...)"
        blocker = _blocker(args, policy)
        if isinstance(blocker, Unknown):
            return blocker
        if blocker is not None:
            return Unknown(text, depends_on(blocker))
        try:
            return func(*args)
        except UnknownArgument as exc:
            return exc.value
        except DeferredArgument as exc:
            return Unknown(text, depends_on(exc.value))

    return call


def _blocker(args: tuple[Any, ...], policy: Policy) -> Any:
    """The argument value that decides the result alone, if any."""
    if policy.kind == "opaque":
        return None
    if policy.kind == "text":
        return next((a for a in args if isinstance(a, Unknown)), None)
    if policy.kind == "structure":
        for position, arg in enumerate(args):
            carried = policy.all_carried or position in policy.carried
            if not carried and isinstance(arg, NOT_PLAIN):
                return arg
        return None
    found = first_unknown(list(args))
    return found


PURE: dict[str, Func] = {name: guarded(name, f, p) for name, (f, p) in TABLE.items()}
