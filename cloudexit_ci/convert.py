"""TerraformModule → Stack: run every registered mapper, then the finishers."""

from __future__ import annotations

from cloudexit_ci.mappers.base import MapContext, Options, cover
from cloudexit_ci.mappers.registry import FINISHERS, MAPPERS
from cloudexit_ci.stack import Coverage, Stack
from cloudexit_ci.targets import assemble
from cloudexit_ci.terraform.model import Resource, TerraformModule


def convert(module: TerraformModule, options: Options) -> Stack:
    stack = Stack(name=options.stack_name, domain=options.domain, options=_option_map(options))
    stack.paths = {
        "repo-root": module.repo_root,
        "terraform-dir": module.root_dir,
        "output-dir": options.output_dir,
    }
    if module.region:  # the root module's default aws provider
        stack.region = module.region
    ctx = MapContext(module, stack, options)
    managed = [r for r in module.resources if r.mode == "managed"]
    for resource in sorted(managed, key=_phase):
        stack.coverage.append(_map_one(resource, ctx))
    for finish in FINISHERS:
        finish(ctx)
    stack.unresolved = list(module.diagnostics.unresolved)
    stack.coverage.extend(_inferred_routes(stack))
    stack.coverage.extend(_remote_modules(module))
    stack.coverage.sort(key=lambda c: (c.origin.address, c.status))
    assemble(stack, options)
    return stack


def _phase(resource: Resource) -> tuple[int, str]:
    entry = MAPPERS.get(resource.type)
    return (entry.phase if entry else 1, resource.address)


def _map_one(resource: Resource, ctx: MapContext) -> Coverage:
    entry = MAPPERS.get(resource.type)
    if entry is not None:
        return entry.mapper(resource, ctx)
    if not resource.type.startswith("aws_"):
        provider = resource.type.split("_", 1)[0]
        return cover(
            resource, "not-needed", f"a {provider} provider resource, not part of the AWS estate"
        )
    return cover(resource, "unmapped", f"no mapping for {resource.type} yet", blocking=False)


def _inferred_routes(stack: Stack) -> list[Coverage]:
    return [
        Coverage(
            origin=route.origin,
            type="route",
            status="inferred",
            reason=f"{route.route_key} → {route.function} inferred from the function's name",
            service=route.function,
        )
        for route in stack.routes
        if route.inferred
    ]


def _remote_modules(module: TerraformModule) -> list[Coverage]:
    from cloudexit_ci.stack import Origin

    return [
        Coverage(
            origin=Origin(remote.address, remote.file, remote.line),
            type="module",
            status="unmapped",
            reason=remote.reason,  # names the fix: terraform init -backend=false
            blocking=True,
        )
        for remote in module.remote_modules
    ]


def _option_map(options: Options) -> dict[str, str]:
    return {
        "serverless-mode": options.serverless_mode,
        "dynamodb-mode": options.dynamodb_mode,
        "object-store": options.object_store,
    }
