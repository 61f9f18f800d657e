"""Terraform values → IR values (``cloudexit_ci.values``): the one crossing point.

A literal becomes text, a reference to another resource's attribute a ``Ref``
(the targets stage turns it into the self-hosted value), anything unknowable
``None``: the caller then declares a documented ``.env`` variable, never text
of the Terraform expression.
"""

from __future__ import annotations

from typing import Any

from cloudexit_ci.terraform.expressions import Computed, to_string
from cloudexit_ci.values import Ref, Value


def typed(value: Any) -> Value | None:
    """A Terraform value as an IR value; ``None`` when it cannot be known here."""
    if isinstance(value, (str, int, float, bool)):
        return to_string(value)
    if isinstance(value, Computed):
        return Ref(value.address, value.attr)
    return None
