"""This test run's own Python (its virtualenv, interpreter and the repository, mounted
read-only at the same paths) inside a container on a stack's network: how the suite runs
``cloudexit-ci migrate-data`` and an AWS stand-in (moto's server) where only containers
reach, e.g. a Swarm stack's internal ``backend`` overlay. The image only lends its
operating system (the stack's own Debian-based images do); the interpreter must be a
self-contained installation (pyenv's, as on these machines), not the system's /usr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.docker.images import docker
from tests.servers import REPO


def _mounts() -> list[str]:
    base = Path(sys.base_prefix)
    if base == Path("/usr"):
        raise RuntimeError(
            "the container suite runs its Python in containers and needs a self-contained "
            f"interpreter (pyenv's), not {sys.executable} from /usr"
        )
    paths = sorted({REPO, Path(sys.prefix), base})
    outer = [p for p in paths if not any(q != p and q in p.parents for q in paths)]
    return [arg for p in outer for arg in ("-v", f"{p}:{p}:ro")]


def python(
    image: str,
    network: str,
    name: str,
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    mounts: dict[Path, str] | None = None,
    detach: bool = False,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` as root in a container named ``name`` on ``network``."""
    cmd = ["run", "--name", name, "--network", network, "--user", "0", *_mounts()]
    cmd += ["-d"] if detach else ["--rm"]
    for key, value in sorted((env or {}).items()):
        cmd += ["-e", f"{key}={value}"]
    for source, target in sorted((mounts or {}).items()):
        cmd += ["-v", f"{source}:{target}:ro"]
    cmd += ["--entrypoint", sys.executable, image, *args]
    return docker(*cmd, check=False, timeout=timeout)
