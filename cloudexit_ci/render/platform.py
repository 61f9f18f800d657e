"""What every orchestrator renderer (Swarm, Kubernetes) shares: the images they run
instead of building, the script that builds and pushes those images, and the files a
service's bind mounts point at (an orchestrator ships them as configs, not host paths).

Compose builds on the host it runs on; Swarm and Kubernetes run images from a
registry. A service with a ``build`` therefore runs ``<registry>/<stack>-<service>:<tag>``
(``--registry``, ``--image-tag``), which ``scripts/build-images.sh`` builds with the same
Dockerfile and named contexts as Compose would, and pushes.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from cloudexit_ci.options import Options
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.tree import Files


def built_image(options: Options, stack: Stack, service: str) -> str:
    """The image a built service runs on an orchestrator."""
    return f"{options.registry}/{stack.name}-{service}:{options.image_tag}"


def reserved_ceiling(svc: Service, stack: Stack) -> int | None:
    """The most replicas a function service may run: the Lambda reserved concurrency of the
    functions it serves, added up (None when one of them reserved none). A replica serves
    requests concurrently, so this bounds the replicas, never below what AWS allowed."""
    reserved = [stack.functions[key].reserved_concurrency for key in svc.serves]
    if not reserved or any(r is None for r in reserved):
        return None
    return sum(r for r in reserved if r is not None)


def warm_floor(svc: Service, stack: Stack) -> int:
    """The replicas Lambda's provisioned concurrency keeps running: the execution
    environments AWS kept warm for the functions the service serves, added up."""
    return sum(count for key in svc.serves for _, count in stack.functions[key].provisioned)


def replica_bounds(
    svc: Service, stack: Stack, low: int, high: int, *, warm: bool = True
) -> tuple[int, int]:
    """(min, max) replicas of a function service: at least its warm floor (unless ``warm``
    is False: a development environment keeps its pod count), never above its reserved
    ceiling (a reservation of 0 is no replica: Lambda throttles every call)."""
    low = max(low, warm_floor(svc, stack) if warm else 0)
    ceiling = reserved_ceiling(svc, stack)
    high = max(low, high) if ceiling is None else min(max(low, high), ceiling)
    return min(low, high), high


def built_services(stack: Stack) -> list[Service]:
    return [svc for _, svc in sorted(stack.services.items()) if svc.build is not None]


@dataclass(frozen=True)
class Mount:
    """A bind mount of the Compose stack, resolved to the generated files it shows:
    ``files`` maps each container path to its output-relative path (one for a file,
    every generated file below it for a directory)."""

    source: str  # output-relative (``traefik/dynamic``)
    target: str  # container path
    files: tuple[tuple[str, str], ...]  # (container path, output path)


def bind_mounts(svc: Service, files: Files) -> list[Mount]:
    """The service's bind mounts (sources starting with ``./``), each with its files."""
    mounts = []
    for source, target in svc.volumes:
        if not source.startswith("./"):
            continue
        relative = str(PurePosixPath(source[2:]))
        target = target.removesuffix(":ro")
        shown: tuple[tuple[str, str], ...]
        if relative in files:
            shown = ((target, relative),)
        else:
            below = sorted(p for p in files if p.startswith(relative + "/"))
            shown = tuple((f"{target}/{p[len(relative) + 1 :]}", p) for p in below)
        mounts.append(Mount(relative, target, shown))
    return mounts


def named_volumes(svc: Service) -> list[tuple[str, str]]:
    """(volume name, container path) of the service's named volumes."""
    return [
        (source, target.removesuffix(":ro"))
        for source, target in svc.volumes
        if not source.startswith("./") and not source.startswith("/")
    ]


def build_script(stack: Stack, options: Options, head: str) -> Files:
    """``scripts/build-images.sh``: build every image the stack builds, tag it as the
    orchestrator's manifests name it, push it (``--no-push``: only build and tag)."""
    services = built_services(stack)
    if not services:
        return {}
    lines = [
        "#!/usr/bin/env bash",
        f"# {head}",
        "# Builds the stack's own images (functions, pollers, services) and pushes them to",
        f"# {options.registry}. Usage: scripts/build-images.sh [--no-push]",
        "set -euo pipefail",
        'cd "$(dirname "$0")/.."',
        'push=1; [ "${1:-}" = "--no-push" ] && push=0',
    ]
    for svc in services:
        assert svc.build is not None
        image = built_image(options, stack, svc.name)
        args = ["docker", "build", "-t", image, "-f", f"{svc.build.context}/{svc.build.dockerfile}"]
        for name, path in svc.build.extra_contexts:
            args += ["--build-context", f"{name}={path}"]
        args.append(svc.build.context)
        lines.append(" ".join(shlex.quote(a) for a in args))
        lines.append(f'[ "$push" = 1 ] && docker push {shlex.quote(image)}')
    lines.append("exit 0")
    sources = tuple(sorted({o.address for svc in services for o in svc.origins}))
    return {"scripts/build-images.sh": ("\n".join(lines).encode() + b"\n", sources)}
