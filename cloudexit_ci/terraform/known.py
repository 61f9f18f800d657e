"""What Terraform's JSON knows about one resource instance, and how it meets the HCL.

A ``Known`` is a view into one instance's object in ``terraform show -json``: the values
(a plan's ``after``, a state's ``values``), the mask of what is unknown until apply
(``after_unknown``) and the mask of what is sensitive (``after_sensitive``,
``sensitive_values``), at a path inside the instance. ``merge(hcl, known)`` is the rule
``Values`` follows for every attribute when a JSON was given:

- a sensitive HCL value (a ``sensitive = true`` variable) stays what it is: the one
  ``.env`` variable named after it;
- what the JSON marks sensitive, or what holds a secret's clear text (a sensitive
  variable's value, a sensitive attribute's value), becomes ``Sensitive`` and is never
  read;
- what is unknown until apply keeps the HCL's expression (``Computed`` when the HCL
  has none);
- a reference to another managed resource stays a reference (its mapper exports the
  self-hosted value);
- everything else is Terraform's own value, with the AWS identifiers of other resources
  found by value (``byvalue``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from cloudexit_ci.terraform.byvalue import ByValue, mask_at
from cloudexit_ci.terraform.typed import (
    Computed,
    Interpolation,
    Sensitive,
    Unknown,
    path_text,
)

# the part of an address before its resource: module.a[0].module.b["k"].
_MODULES = re.compile(r'^(?:module\.[A-Za-z0-9_-]+(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?\.)*')
_MIN_CONTAINED = 6  # a shorter secret is masked only where it is the whole value


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()  # "the HCL does not set it" / "the JSON does not have it"


@dataclass(frozen=True)
class World:
    """What every view shares: the by-value matcher and the clear-text secrets."""

    matcher: ByValue
    secrets: frozenset[str] = frozenset()

    def is_secret(self, value: Any) -> bool:
        """``value`` is a secret, or a string holding one."""
        if not isinstance(value, str) or not value:
            return False
        if value in self.secrets:
            return True
        return any(len(s) >= _MIN_CONTAINED and s in value for s in self.secrets)


@dataclass(frozen=True)
class Known:
    """One instance's JSON at ``path`` (``()``: the whole object)."""

    owner: str  # the instance's address
    path: tuple[str | int, ...]
    value: Any
    unknown: Any  # True, a nested mask, or False
    sensitive: Any  # likewise
    world: World

    def at(self, step: str | int) -> Known | None:
        """The view one step down; None when the JSON says nothing there."""
        value: Any = MISSING
        if isinstance(self.value, dict) and isinstance(step, str):
            value = self.value.get(step, MISSING)
        elif isinstance(self.value, list) and isinstance(step, int):
            value = self.value[step] if 0 <= step < len(self.value) else MISSING
        unknown, sensitive = mask_at(self.unknown, step), mask_at(self.sensitive, step)
        if value is MISSING and unknown is not True and sensitive is not True:
            return None
        value = None if value is MISSING else value
        return Known(self.owner, (*self.path, step), value, unknown, sensitive, self.world)

    @property
    def secret(self) -> bool:
        return self.sensitive is True or self.world.is_secret(self.value)

    @property
    def pending(self) -> bool:
        """Unknown until apply."""
        return self.unknown is True

    @property
    def found(self) -> bool:
        """Terraform knows the value and it may be read (not unknown, sensitive or null)."""
        return not self.pending and not self.secret and self.value is not None

    def marker(self) -> Sensitive:
        return Sensitive(self.owner + path_text(self.path), variable=False)

    def computed(self) -> Computed:
        attr, *rest = self.path or ("id",)
        return Computed(self.owner, str(attr), tuple(rest))

    def plain(self) -> Any:
        """The JSON value as the model's value: secrets masked, unknowns Computed,
        identifiers of other resources typed."""
        if self.secret:
            return self.marker()
        if self.pending:
            return self.computed()
        if isinstance(self.value, dict):
            keys = dict.fromkeys([*self.value, *_marked(self.unknown), *_marked(self.sensitive)])
            return {k: _plain(self.at(k)) for k in keys}
        if isinstance(self.value, list):
            return [_plain(self.at(i)) for i in range(len(self.value))]
        if isinstance(self.value, str):
            return self.world.matcher(self.value, self.owner)
        return self.value


def _plain(view: Known | None) -> Any:
    return None if view is None else view.plain()


def _marked(mask: Any) -> list[str]:
    return [k for k, v in mask.items() if v] if isinstance(mask, dict) else []


def merge(hcl: Any, known: Known) -> Any:
    """One value from the HCL's (``MISSING`` when the HCL does not set it) and the JSON's."""
    if is_sensitive(hcl):
        return hcl
    if known.secret:
        return known.marker()
    if known.pending:
        return known.computed() if hcl is MISSING else hcl
    if known.value is None:
        return None if hcl is MISSING or isinstance(hcl, Unknown) else hcl
    if isinstance(hcl, dict) and isinstance(known.value, dict):
        return _merge_map(hcl, known)
    if isinstance(hcl, list) and isinstance(known.value, list) and len(hcl) == len(known.value):
        return [_merge_at(item, known, i) for i, item in enumerate(hcl)]
    if hcl is not MISSING and is_managed_reference(hcl):
        return hcl
    return known.plain()


def _merge_at(hcl: Any, known: Known, step: str | int) -> Any:
    view = known.at(step)
    return hcl if view is None else merge(hcl, view)


def _merge_map(hcl: dict[str, Any], known: Known) -> dict[str, Any]:
    """A map Terraform knows: its keys are the JSON's (the HCL's may be unknown)."""
    keys = dict.fromkeys([*known.value, *_marked(known.unknown), *_marked(known.sensitive)])
    out = {key: _merge_at(hcl.get(key, MISSING), known, key) for key in keys}
    return {key: value for key, value in out.items() if value is not MISSING}


def is_sensitive(value: Any) -> bool:
    """A sensitive variable's value, or a template holding one (not a map or list: their
    other elements still merge)."""
    if isinstance(value, Interpolation):
        return any(isinstance(p, Sensitive) for p in value.parts)
    return isinstance(value, Sensitive)


def is_managed_reference(value: Any) -> bool:
    """A Computed (or a template of them) that points at managed resources only."""
    if isinstance(value, Computed):
        return not is_data_address(value.address)
    if isinstance(value, Interpolation):
        refs = [p for p in value.parts if isinstance(p, Computed)]
        return bool(refs) and all(not is_data_address(r.address) for r in refs)
    return False


def is_data_address(address: str) -> bool:
    """``data.x.y`` / ``module.m[0].data.x.y``: a data source's address."""
    match = _MODULES.match(address)
    return address[match.end() if match else 0 :].startswith("data.")


def pair_blocks(literals: list[dict[str, Any]], items: list[Any]) -> list[int | None]:
    """For each HCL block (its literal arguments), the index of the JSON object that is the
    same block, or None. In order when every pair agrees; else (a set of blocks, which
    Terraform sorts) the first unused object that agrees with the block's literals."""
    if len(literals) == len(items) and all(map(_agrees, literals, items)):
        return list(range(len(items)))
    used: set[int] = set()
    out: list[int | None] = []
    for block in literals:
        found = next(
            (i for i, item in enumerate(items) if i not in used and _agrees(block, item)), None
        )
        if found is not None and any(k in items[found] for k in block):
            used.add(found)
            out.append(found)
        else:
            out.append(None)
    return out


def _agrees(block: dict[str, Any], item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    for name, value in block.items():
        other = item.get(name)
        if other is not None and _text(other) != _text(value):
            return False
    return True


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
