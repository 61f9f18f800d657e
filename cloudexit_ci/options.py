"""The user's choices that change how resources map (a light module: no heavy imports)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    domain: str = "api.example.com"
    serverless_mode: str = "containerized"  # or "consolidated"
    dynamodb_mode: str = "alternator"  # or "cql"
    object_store: str = "minio"  # or "seaweedfs"
    acme_email: str = ""
    write_isolation: str = "only_rmw_uses_lwt"
    stack_name: str = "stack"
    code_dirs: tuple[tuple[str, str], ...] = ()  # function address/name -> source dir
    output_dir: str = "out"  # absolute path of --output (for relative build contexts)
    platform: str = "compose"  # or "swarm", "kubernetes" (docs/PLATFORMS.md)
    registry: str = "localhost:5000"  # swarm/kubernetes: where the built images are pushed
    image_tag: str = "v1"  # swarm/kubernetes: the tag of the built images


PLATFORMS = ("compose", "swarm", "kubernetes")
WRITE_ISOLATION = ("always_use_lwt", "only_rmw_uses_lwt", "forbid_rmw", "unsafe_rmw")
