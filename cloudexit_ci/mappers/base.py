"""What every mapper gets: the resource, the Terraform module and the Stack.

A mapper is a plain function ``(resource, ctx) -> Coverage``: it adds IR
records to ``ctx.stack`` and returns the one inventory entry for the
resource. A *finisher* runs once after every resource was mapped (to link
routes to functions, for example). Both are registered in ``registry.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from cloudexit_ci.naming import safe_name as safe_name  # re-exported for mappers
from cloudexit_ci.naming import unique_name as unique_name
from cloudexit_ci.options import Options as Options  # re-exported for mappers
from cloudexit_ci.stack import Coverage, Origin, Stack, Status
from cloudexit_ci.terraform.model import Resource, TerraformModule


@dataclass
class MapContext:
    module: TerraformModule
    stack: Stack
    options: Options
    state: dict[str, Any] = field(default_factory=dict)  # per-family scratch space

    def family(self, name: str, factory: Callable[[], Any]) -> Any:
        """Scratch state a mapper family shares with its finisher."""
        if name not in self.state:
            self.state[name] = factory()
        return self.state[name]

    def restate(self, origin: Origin, status: Status, reason: str, *, blocking: bool) -> None:
        """A finisher's correction of one resource's entry (a method no route serves…)."""
        for i, entry in enumerate(self.stack.coverage):
            if entry.origin == origin:
                self.stack.coverage[i] = replace(
                    entry, status=status, reason=reason, blocking=blocking, service=None
                )

    def note(self, resource: Resource, message: str) -> None:
        self.stack.notes.append(f"{resource.where}: {resource.address}: {message}")
        self.stack.resource_notes.append((resource.origin, message))


class Mapper(Protocol):
    def __call__(self, resource: Resource, ctx: MapContext) -> Coverage: ...


Finisher = Callable[[MapContext], None]


def cover(
    resource: Resource,
    status: Status,
    reason: str,
    *,
    service: str | None = None,
    lost: tuple[str, ...] | list[str] = (),
    blocking: bool = False,
) -> Coverage:
    return Coverage(
        origin=resource.origin,
        type=resource.type,
        status=status,
        reason=reason,
        service=service,
        lost=tuple(lost),
        blocking=blocking,
    )


def mapped_or_partial(
    resource: Resource, reason: str, lost: list[str], service: str | None = None
) -> Coverage:
    status: Status = "partial" if lost else "mapped"
    return cover(resource, status, reason, service=service, lost=lost)


def origin_of(resource: Resource) -> Origin:
    return resource.origin
