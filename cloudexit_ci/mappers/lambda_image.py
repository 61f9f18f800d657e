"""A function shipped as a container image (``package_type = "Image"``, ``image_uri``):
the repository's own build of that image, when it has one.

Found, in order: a ``docker_image`` resource (kreuzwerker/docker) whose ``build`` block
makes the image ``image_uri`` names, directly or through a ``docker_registry_image``, a
module's output (terraform-aws-modules/lambda's ``modules/docker-build``) or the image's
literal name; else a ``Dockerfile`` in the function's ``code-dirs`` folder. Without one
the image is built elsewhere (an ECR URI the stack cannot pull): a blocking finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.stack import Code
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.expressions import Computed
from cloudexit_ci.terraform.files import rel
from cloudexit_ci.terraform.model import Resource

_MODULE_PREFIX = re.compile(r'^(?:module\.[A-Za-z0-9_-]+(?:\[(?:"[^"]*"|\d+)\])?\.)*')
NOT_BUILT = (
    "its image is built outside this repository (no Dockerfile found: no docker_image "
    "resource builds it, no Dockerfile in its code-dirs folder): the stack cannot pull "
    "a private registry's image; map the folder of its Dockerfile in .cloudexit.yml (code-dirs)"
)


def not_built(code: Code) -> list[str]:
    """What is lost when the image cannot be built here."""
    if code.exists:
        return []
    if code.kind == "build":
        return [f"its Dockerfile {code.path}/{code.dockerfile} does not exist"]
    return [NOT_BUILT]


def image_code(resource: Resource, ctx: MapContext, override: str | None) -> Code:
    """The build of the function's image, or the image reference alone (``exists`` False
    when nothing here builds it)."""
    uri = resource.values.string("image_uri")
    if override:
        folder = Path(ctx.module.repo_root) / ctx.module.root_dir / override
        if (folder / "Dockerfile").is_file():
            return Code("build", rel(folder.resolve(), Path(ctx.module.repo_root)),
                        dockerfile="Dockerfile")  # fmt: skip
    image = _docker_image(resource, ctx)
    if image is not None:
        build = image.values.block("build")
        context = build.string("context") if build is not None else ""
        if context:
            folder = (Path(ctx.module.repo_root) / ctx.module.root_dir / context).resolve()
            dockerfile = build.string("dockerfile", "Dockerfile") if build else "Dockerfile"
            shown = rel(folder, Path(ctx.module.repo_root))
            return Code("build", shown, (folder / dockerfile).is_file(), dockerfile)
    return Code("image", uri, exists=False)


def _docker_image(resource: Resource, ctx: MapContext) -> Resource | None:
    """The ``docker_image`` resource that builds the image ``image_uri`` names."""
    images = list(ctx.module.of_type("docker_image"))
    if not images:
        return None
    values = resource.values
    prefix = _MODULE_PREFIX.match(resource.address)
    module = prefix.group(0) if prefix else ""
    raw = values.raw("image_uri")
    found = _by_address(ctx, getattr(raw, "address", None) if isinstance(raw, Computed) else None)
    attribute = values.body.attr("image_uri")
    for reference in sorted(ast.references(attribute.expr)) if attribute else ():
        parts = reference.split(".")
        if found is None and parts[0] == "module" and len(parts) > 1:
            inside = f"{module}module.{parts[1]}."
            found = next((i for i in images if i.address.startswith(inside)), None)
        elif found is None and len(parts) > 1:
            found = _by_address(ctx, f"{module}{parts[0]}.{parts[1]}")
    if found is None and isinstance(raw, str) and raw:
        found = next((i for i in images if i.values.string("name") == raw), None)
    return found


def _by_address(ctx: MapContext, address: str | None) -> Resource | None:
    """A ``docker_image``, or the one a ``docker_registry_image`` pushes."""
    found = ctx.module.by_address(address) if address else None
    if found is not None and found.type == "docker_registry_image":
        name = found.values.raw("name")
        target = name.address if isinstance(name, Computed) else None
        attribute = found.values.body.attr("name")
        refs = sorted(ast.references(attribute.expr)) if attribute else []
        prefix = _MODULE_PREFIX.match(found.address)
        module = prefix.group(0) if prefix else ""
        for reference in refs:
            parts = reference.split(".")
            if target is None and parts[0] == "docker_image" and len(parts) > 1:
                target = f"{module}docker_image.{parts[1]}"
        found = ctx.module.by_address(target) if target else None
    return found if found is not None and found.type == "docker_image" else None
