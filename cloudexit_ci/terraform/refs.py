"""What a reference resolves to while a module loads: its root names, resource
instances and module instances (Terraform's shapes: one object, a list for
``count``, a map for ``for_each``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cloudexit_ci.terraform.computed import SECRET_ATTRIBUTES, computed_attribute
from cloudexit_ci.terraform.known import MISSING
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.terraform.typed import Computed, Namespace, Unknown


class Scope(Mapping[str, Any]):
    """Root names of a module: fixed names first, then resource types on demand."""

    def __init__(
        self,
        fixed: dict[str, Any],
        managed_types: set[str],
        resource_ref: Callable[[str, str, str], Any],
    ) -> None:
        self.fixed = fixed
        self.managed_types = managed_types
        self.resource_ref = resource_ref

    def __getitem__(self, name: str) -> Any:
        if name in self.fixed:
            return self.fixed[name]
        if name in self.managed_types:
            return Namespace(name, lambda label: self.resource_ref("managed", name, label))
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self.fixed or name in self.managed_types

    def __iter__(self) -> Iterator[str]:
        return iter([*self.fixed, *sorted(self.managed_types)])

    def __len__(self) -> int:
        return len(self.fixed) + len(self.managed_types)


class ResourceRef:
    """A reference to one resource instance: arguments it sets, else computed attributes
    (a data source's as Terraform's JSON read them, when it did)."""

    def __init__(self, resource: Resource) -> None:
        self.resource = resource

    def get_attr(self, name: str) -> Any:
        resource = self.resource
        values = resource.values
        if (resource.type, name) in SECRET_ATTRIBUTES:
            return Computed(resource.address, name)  # never the literal secret
        if values.body.attr(name) is not None:
            return values.raw(name)
        if name in values.block_names():
            return [b.to_dict() for b in values.blocks(name)]
        if resource.mode == "data" and values.known is not None:  # read during the plan
            found = values.raw(name, MISSING)
            if found is not MISSING:
                return found
        return computed_attribute(resource, name)


class ModuleRef:
    """A reference to one module instance: its outputs."""

    def __init__(self, output: Callable[[str], Any]) -> None:
        self.output = output

    def get_attr(self, name: str) -> Any:
        return self.output(name)


def shaped(instances: Mapping[str | int | None, Any], repetition: str) -> Any:
    """Instances as Terraform exposes them: ``repetition`` is "count" (a list, maybe
    empty), "for_each" (a map, maybe empty) or "" (the one instance)."""
    if repetition == "count":
        return [instances[k] for k in sorted(k for k in instances if isinstance(k, int))] or (
            [instances[None]] if None in instances else []
        )
    if repetition == "for_each":
        if None in instances:  # for_each not known: one instance with an unknown key
            return Unknown("for_each", "the instances' keys are not known")
        return {str(k): v for k, v in instances.items()}
    if None in instances:
        return instances[None]
    return Unknown("instance", "no such instance")
