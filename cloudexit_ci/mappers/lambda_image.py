"""A function shipped as a container image (``package_type = "Image"``, ``image_uri``):
the repository's own build of that image, when it has one.

Found, in order: a ``Dockerfile`` in the function's ``code-dirs`` folder; a
``docker_image`` resource (kreuzwerker/docker) whose ``build`` block makes the image
``image_uri`` names, directly or through a ``docker_registry_image``, a module's output
(terraform-aws-modules/lambda's ``modules/docker-build``) or the image's literal name;
the only folder named after the function (next to the Terraform or above it, directly or
under ``functions/``, ``lambdas/``, ``src/``…) that holds a Dockerfile. Without one the
image is built elsewhere (an ECR URI the stack cannot pull): a blocking finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.stack import Code
from cloudexit_ci.terraform import ast, files
from cloudexit_ci.terraform.expressions import Computed, Interpolation
from cloudexit_ci.terraform.files import rel
from cloudexit_ci.terraform.model import Resource

FOLDERS = ("functions", "lambdas", "lambda", "src", "services", "images", "docker")
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
    repo, root = Path(ctx.module.repo_root), Path(ctx.module.repo_root) / ctx.module.root_dir
    if override and files.exists(root / override / "Dockerfile"):
        return Code("build", rel((root / override).resolve(), repo), dockerfile="Dockerfile")
    image = _docker_image(resource, ctx)
    build = image.values.block("build") if image is not None else None
    context = build.string("context") if build is not None else ""
    if build is not None and context:
        folder = (root / context).resolve()
        dockerfile = build.string("dockerfile", "Dockerfile")
        return Code("build", rel(folder, repo), files.exists(folder / dockerfile), dockerfile)
    found = _by_name(resource, ctx) if not override else None
    if found is not None:
        return Code("build", rel(found, repo), dockerfile="Dockerfile")
    return Code("image", uri, exists=False)


def _by_name(resource: Resource, ctx: MapContext) -> Path | None:
    """The one folder named after the function (its name or Terraform name) that holds a
    Dockerfile, next to the Terraform or above it, directly or under a usual parent."""
    root = (Path(ctx.module.repo_root) / ctx.module.root_dir).resolve()
    output = Path(ctx.options.output_dir).resolve()
    names = sorted({resource.values.string("function_name"), resource.name} - {""})
    found = [
        folder
        for base in (root, root.parent)
        for parent in ("", *FOLDERS)
        for name in names
        if not (folder := base / parent / name).is_relative_to(output)
        and files.exists(folder / "Dockerfile")
    ]
    shown = ", ".join(sorted(rel(f, Path(ctx.module.repo_root)) for f in found))
    if len(found) == 1:
        why = "found by the function's name (code-dirs chooses another)"
        ctx.note(resource, f"its image is built from {shown}/Dockerfile, {why}")
        return found[0]
    if found:
        ctx.note(resource, f"several folders could build its image ({shown}): set code-dirs")
    return None


def _docker_image(resource: Resource, ctx: MapContext) -> Resource | None:
    """The ``docker_image`` resource that builds the image ``image_uri`` names."""
    images = list(ctx.module.of_type("docker_image"))
    if not images:
        return None
    values = resource.values
    prefix = _MODULE_PREFIX.match(resource.address)
    module = prefix.group(0) if prefix else ""
    raw = values.raw("image_uri")
    pieces = raw.parts if isinstance(raw, Interpolation) else (raw,)  # "<repo>@<digest>"…
    addresses = [p.address for p in pieces if isinstance(p, Computed)]
    found = next(filter(None, (_by_address(ctx, a) for a in addresses)), None)
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
