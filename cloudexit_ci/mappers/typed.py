"""Terraform values → IR values (``cloudexit_ci.values``): the one crossing point.

A literal becomes text; a reference to another resource's attribute a ``Ref``
(with its path: ``cache_nodes[0].address``), which the targets stage turns into
the self-hosted value; a string template a ``Template`` of those; a
``sensitive = true`` variable the one ``.env`` variable named after it, wherever
it is used. Anything else cannot be known here: ``None``, and the caller declares
a documented ``.env`` variable, never text of the Terraform expression.
"""

from __future__ import annotations

from typing import Any

from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.naming import env_name
from cloudexit_ci.stack import EnvVar, Origin
from cloudexit_ci.terraform.expressions import Computed, Interpolation, Sensitive, to_string
from cloudexit_ci.values import EnvRef, Ref, Value, concat


def typed(ctx: MapContext, value: Any, origin: Origin | None) -> Value | None:
    """A Terraform value as an IR value; ``None`` when it cannot be known here."""
    if isinstance(value, (str, int, float, bool)):
        return to_string(value)
    if isinstance(value, Computed):
        return Ref(value.address, value.attribute)
    if isinstance(value, Sensitive):
        return sensitive(ctx, value, origin)
    if isinstance(value, Interpolation):
        parts = [typed(ctx, part, origin) for part in value.parts]
        return concat(*(p for p in parts if p is not None)) if None not in parts else None
    return None


def sensitive(ctx: MapContext, value: Sensitive, origin: Origin | None) -> EnvRef:
    """The ``.env`` variable of a sensitive Terraform variable (the same one everywhere)."""
    name = env_name(value.name)
    if name not in ctx.stack.env_vars:
        what = "variable" if value.variable else "value (marked sensitive in the Terraform JSON)"
        text = f"the sensitive {what} {value.reference} (never copied from Terraform)"
        ctx.stack.env_vars[name] = EnvVar(name, text, origin, secret=True)
    return EnvRef(name)
