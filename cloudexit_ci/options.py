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


WRITE_ISOLATION = ("always_use_lwt", "only_rmw_uses_lwt", "forbid_rmw", "unsafe_rmw")
