"""The values an evaluated Terraform expression can have besides plain data.

- ``Unknown``: cannot be resolved here (a function we do not evaluate, a value
  missing, an operation on a value known only after apply). It keeps the source
  text and a reason; it is reported, never guessed.
- ``Computed``: a resource attribute known only after apply
  (``aws_elasticache_cluster.c.cache_nodes[0].address``): address, attribute and
  the path taken inside it.
- ``Sensitive``: the value of a ``sensitive = true`` variable; the value itself
  is never kept.
- ``Interpolation``: a string template mixing literal text with Computed and
  Sensitive parts (``"redis://${aws_x.y.primary_endpoint_address}:6379"``).

Nothing here renders Terraform text as a value: ``to_string`` refuses the
non-plain values. ``expressions`` re-exports every name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeAlias

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Unknown:
    """``error``: Terraform itself would fail here (a missing key, a function error),
    which ``try``/``can`` catch; otherwise the value is merely not known here."""

    text: str
    reason: str
    error: bool = False

    def __str__(self) -> str:  # text for messages, as written in Terraform; not a value
        return f"${{{self.text}}}"


@dataclass(frozen=True)
class Computed:
    """An attribute only known after ``terraform apply``.

    ``path`` holds what was read inside the attribute: attribute names and
    string keys as ``str``, list indexes as ``int``.
    """

    address: str
    attr: str
    path: tuple[str | int, ...] = ()

    @property
    def attribute(self) -> str:
        """The attribute with its path as Terraform writes it: ``cache_nodes[0].address``."""
        return self.attr + path_text(self.path)

    @property
    def reference(self) -> str:
        """``address.attribute``: ``aws_elasticache_cluster.c.cache_nodes[0].address``."""
        return f"{self.address}.{self.attribute}"

    def step(self, key: str | int) -> Computed:
        return Computed(self.address, self.attr, (*self.path, key))

    def __str__(self) -> str:  # text for messages, as written in Terraform; not a value
        return f"${{{self.reference}}}"


@dataclass(frozen=True)
class Sensitive:
    """A sensitive value; the value itself is never kept.

    ``name`` is the variable's name in the root module (``db_password``), or
    qualified by the module instance for a child module's own sensitive variable
    (``module.db.password``); reading inside it extends the name
    (``secrets.stripe``). ``variable`` is False for a value Terraform's JSON marks
    sensitive (``sensitive_values``/``after_sensitive``): then ``name`` is the
    resource attribute's reference (``aws_db_instance.db.password``).
    """

    name: str
    variable: bool = True

    @property
    def reference(self) -> str:
        return f"var.{self.name}" if self.variable else self.name

    def step(self, key: str | int) -> Sensitive:
        return Sensitive(self.name + path_text([key]), self.variable)

    def __str__(self) -> str:  # text for messages (never the value); not used as a value
        return f"${{{self.reference}}}"


@dataclass(frozen=True)
class Interpolation:
    """A string template of literal text and Computed/Sensitive parts.

    Built by ``interpolate``: adjacent literals merged, at least one non-literal part.
    """

    parts: tuple[str | Computed | Sensitive, ...]

    def __str__(self) -> str:  # text for messages, as written in Terraform; not a value
        return "".join(p if isinstance(p, str) else str(p) for p in self.parts)


Deferred: TypeAlias = Computed | Sensitive | Interpolation
NotPlain: TypeAlias = Unknown | Computed | Sensitive | Interpolation
DEFERRED = (Computed, Sensitive, Interpolation)
NOT_PLAIN = (Unknown, Computed, Sensitive, Interpolation)


def path_text(path: Iterable[str | int]) -> str:
    out = []
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            out.append(f".{step}")
        else:
            escaped = step.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)


def interpolate(parts: Iterable[Any]) -> str | Interpolation:
    """Literal strings and Computed/Sensitive/Interpolation parts → a str or an Interpolation."""
    merged: list[str | Computed | Sensitive] = []
    for part in parts:
        items = part.parts if isinstance(part, Interpolation) else (part,)
        for item in items:
            if isinstance(item, str) and merged and isinstance(merged[-1], str):
                merged[-1] += item
            elif item != "":
                merged.append(item)
    if all(isinstance(p, str) for p in merged):
        return "".join(str(p) for p in merged)
    return Interpolation(tuple(merged))


def walk(value: Any) -> Iterable[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def first_unknown(value: Any) -> NotPlain | None:
    """The first Unknown/Computed/Sensitive/Interpolation in ``value`` (depth first)."""
    return next((v for v in walk(value) if isinstance(v, NOT_PLAIN)), None)


def is_known(value: Any) -> bool:
    """True when ``value`` is plain data all the way down."""
    return first_unknown(value) is None


def depends_on(value: Any) -> str:
    """Why a value built from ``value`` cannot be known here (for Unknown.reason)."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, Interpolation):
        value = next(p for p in value.parts if not isinstance(p, str))
    if isinstance(value, Computed):
        return f"depends on {value.reference} (known after apply)"
    if isinstance(value, Sensitive):
        what = "variable" if value.variable else "value"
        return f"depends on the sensitive {what} {value.name}"
    return "depends on a value not known here"


def to_string(value: Any) -> str:
    """Terraform's string conversion of a plain primitive; TypeError for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    raise TypeError(f"a {_kind(value)} is not a string")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "map/object"
    if isinstance(value, list):
        return "list/tuple"
    if isinstance(value, NOT_PLAIN):
        return f"value that {depends_on(value)}"
    return type(value).__name__


def to_bool(value: Any) -> bool:
    """Terraform's conversion to bool: the strings "true"/"false" (a ``--var``) convert."""
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return bool(value)


class Traversable(Protocol):
    """A lazily resolved namespace: ``var``, ``local``, a resource, a module."""

    def get_attr(self, name: str) -> Any: ...


class Namespace:
    """A Traversable over a plain mapping, with a name for error messages."""

    def __init__(self, label: str, values: Mapping[str, Any] | Callable[[str], Any]) -> None:
        self.label = label
        self.values = values

    def get_attr(self, name: str) -> Any:
        if callable(self.values):
            return self.values(name)
        if name in self.values:
            return self.values[name]
        return Unknown(f"{self.label}.{name}", f"{self.label}.{name} is not defined")


def get_attr(value: Any, name: str) -> Any:
    """``value.name``: a Computed/Sensitive grows its path; Unknown stays itself."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Computed):
        return value.step(name)
    if isinstance(value, Sensitive):
        return value.step(name)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        return Unknown(name, f"no attribute {name!r}", error=True)
    getter = getattr(value, "get_attr", None)
    if getter is not None:
        return getter(name)
    return Unknown(name, f"cannot read .{name} of {_kind(value)}", error=True)


def get_index(value: Any, key: Any) -> Any:
    """``value[key]``: a Computed/Sensitive grows its path; Unknown stays itself."""
    if isinstance(value, Unknown):
        return value
    if isinstance(key, NOT_PLAIN):
        return Unknown("[...]", depends_on(key))
    step = _step(key)
    if step is None:
        return Unknown("[...]", f"a {_kind(key)} is not an index", error=True)
    if isinstance(value, Computed):
        return value.step(step)
    if isinstance(value, Sensitive):
        return value.step(step)
    if isinstance(value, list) and isinstance(step, str) and step.isdigit():
        step = int(step)  # Terraform converts "1" to a number index
    if isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
        return value[step]
    if isinstance(value, dict) and str(step) in value:
        return value[str(step)]
    getter = getattr(value, "get_index", None)
    if getter is not None:
        return getter(key)
    return Unknown(f"[{key!r}]", f"index {key!r} not found", error=True)


def _step(key: Any) -> str | int | None:
    if isinstance(key, float) and key.is_integer():
        return int(key)
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, (dict, list)) or key is None:
        return None
    return to_string(key)
