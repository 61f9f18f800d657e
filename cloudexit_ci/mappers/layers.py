"""aws_lambda_layer_version → its contents extracted to /opt in the image of each function
that lists it in ``layers``, as Lambda extracts them (in order, a later layer's file wins).

A layer of this configuration is found through the function's reference
(``aws_lambda_layer_version.x.arn``) and its code resolved as a function's is (a local
zip, the ``archive_file`` that makes it, a folder). A layer published elsewhere (an ARN
literal, another account's layer) or whose code is not here is lost: a blocking finding
on the function, whose code may import from it.
"""

from __future__ import annotations

from collections.abc import Callable

from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Code, Coverage
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.terraform.typed import Computed

LAYER = "aws_lambda_layer_version"
CodeOf = Callable[[object, Resource, MapContext], Code]


def function_layers(
    resource: Resource, ctx: MapContext, code_of: CodeOf
) -> tuple[tuple[tuple[str, Code], ...], list[str]]:
    """The function's layers in order as (layer address, code), and what is lost."""
    raw = resource.values.raw("layers")
    items = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    found: list[tuple[str, Code]] = []
    lost: list[str] = []
    for item in items:
        layer = _layer_of(item, ctx)
        code = layer_code(layer, ctx, code_of) if layer is not None else None
        if layer is not None and code is not None:
            found.append((layer.address, code))
        elif layer is not None:
            lost.append(f"layer {layer.address}: its code is not a local zip or folder here")
        elif isinstance(item, str):
            lost.append(f"layer {item} is published elsewhere: not in the image")
        else:
            lost.append(f"layer {_shown(item)} cannot be resolved here: not in the image")
    return tuple(found), lost


def layer_code(layer: Resource, ctx: MapContext, code_of: CodeOf) -> Code | None:
    """The layer's local zip or folder, or None (in S3, or not found)."""
    code = code_of(layer.values.raw("filename"), layer, ctx)
    return code if code.kind in ("zip", "dir", "file") and code.exists else None


def _layer_of(item: object, ctx: MapContext) -> Resource | None:
    if isinstance(item, Computed) and item.address.rsplit(".", 2)[-2:-1] == [LAYER]:
        return ctx.module.by_address(item.address)
    return None


def _shown(item: object) -> str:
    if isinstance(item, Computed):
        return f"{item.address}.{item.attribute}"
    return "(a value known only after apply)"


def map_layer(resource: Resource, ctx: MapContext, code_of: CodeOf) -> Coverage:
    functions = ctx.stack.functions.values()
    users = sorted(f.key for f in functions if any(a == resource.address for a, _ in f.layers))
    if layer_code(resource, ctx, code_of) is None:
        why = "its code is not a local zip or folder of this repository (S3, or not found)"
        return cover(resource, "unmapped", f"{why}: functions that list it lack it", blocking=True)
    if not users:
        return cover(resource, "not-needed", "no function of this configuration lists the layer")
    names = ", ".join(f"`{u}`" for u in users)
    return cover(resource, "mapped", f"extracted to /opt in the image of {names}", service=users[0])
