"""Run a generated Swarm stack (`migrate --platform swarm`) on the suite's engine, as a user
would: `docker swarm init` (one node) when the engine is not in a swarm (and `swarm leave`
at the end only then), the node labelled for every stateful service, the stack's own
`scripts/build-images.sh --no-push` and `scripts/swarm-deploy.sh`.

Test-only changes to the generated files, as the Compose suite's override does: Traefik's
published ports are free ports (not 80/443) and its ACME CA is a closed loopback port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.docker import images
from tests.docker.images import DOCKER, docker
from tests.docker.stack import EXAMPLES, Edge, env_values, test_static_config
from tests.servers import free_ports


def images_of_swarm_stack(stack: Path, registry: str) -> set[str]:
    """Every third-party image the stack runs, and every FROM of the images it builds."""
    document = yaml.safe_load((stack / "stack.yml").read_text())
    found = {
        s["image"] for s in document["services"].values() if not s["image"].startswith(registry)
    }
    for dockerfile in sorted(stack.rglob("Dockerfile")):
        found |= images.dockerfile_bases(dockerfile)
    return found


@dataclass
class SwarmStack(Edge):
    name: str
    root: Path
    http_port: int
    https_port: int
    joined: bool = False  # this run ran `docker swarm init`

    @property
    def project(self) -> str:  # type: ignore[override]
        return self.name

    @property
    def dir(self) -> Path:
        return self.root / "stack"

    @classmethod
    def prepare(cls, example: str, tmp: Path, domain: str) -> SwarmStack:
        root = tmp / f"swarm-{example}"
        shutil.copytree(EXAMPLES / example / "terraform", root / "terraform")
        args = ["migrate", "terraform", "--output", "stack", "--platform", "swarm",
                "--name", example, "--domain", domain]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "cloudexit_ci", *args], cwd=root, capture_output=True, text=True
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"migrate exited {done.returncode}: {done.stderr}")
        http_port, https_port = free_ports(2)
        stack = cls(example, root, http_port, https_port)
        stack.write_test_files()
        return stack

    def write_test_files(self) -> None:
        values = env_values(self.dir / ".env.example")
        (self.dir / ".env").write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
        static = self.dir / "traefik" / "traefik.yml"
        static.write_text(test_static_config(static))
        document = yaml.safe_load((self.dir / "stack.yml").read_text())
        for port in document["services"]["traefik"]["ports"]:
            port["published"] = self.http_port if port["target"] == 80 else self.https_port
        (self.dir / "stack.yml").write_text(yaml.safe_dump(document, sort_keys=False))

    def join(self) -> None:
        state = docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
        if state != "active":
            docker("swarm", "init", "--advertise-addr", "127.0.0.1")
            self.joined = True
        node = docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()
        document = yaml.safe_load((self.dir / "stack.yml").read_text())
        for svc in document["services"].values():
            for constraint in svc["deploy"].get("placement", {}).get("constraints", []):
                label = constraint.removeprefix("node.labels.").split("==")[0]
                docker("node", "update", "--label-add", f"{label}=true", node)

    def script(self, name: str, *args: str, timeout: float = 1800) -> str:
        path = f"{Path(DOCKER).parent}:{os.environ['PATH']}"
        done = subprocess.run(
            ["bash", f"scripts/{name}", *args], cwd=self.dir, capture_output=True, text=True,
            timeout=timeout, env=os.environ | {"PATH": path},
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{name} exited {done.returncode}:\n{done.stdout[-3000:]}\n"
                               f"{done.stderr[-3000:]}")  # fmt: skip
        return done.stdout

    def services(self) -> list[dict[str, Any]]:
        out = docker("service", "ls", "--filter", f"label=com.docker.stack.namespace={self.name}",
                     "--format", "json").stdout  # fmt: skip
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_converged(self, timeout: float = 600) -> None:
        """Every replicated service n/n, every job completed."""
        deadline = time.monotonic() + timeout
        pending: list[str] = []
        while time.monotonic() < deadline:
            pending = [s["Name"] + " " + s["Replicas"] for s in self.services() if not _done(s)]
            if not pending:
                return
            time.sleep(3)
        raise RuntimeError(f"not converged after {timeout}s: {pending}\n{self.diagnose()}")

    def containers(self, service: str) -> list[str]:
        out = docker("ps", "-q", "--filter", f"label=com.docker.swarm.service.name="
                     f"{self.name}_{service}").stdout  # fmt: skip
        return out.split()

    def diagnose(self) -> str:
        lines = []
        for svc in self.services():
            tasks = docker("service", "ps", "--no-trunc", svc["Name"], check=False).stdout
            logs = docker("service", "logs", "--tail", "20", svc["Name"], check=False)
            lines += [f"== {svc['Name']}", tasks[-1500:], logs.stdout[-1500:], logs.stderr[-1500:]]
        return "\n".join(lines)

    def remove(self) -> dict[str, list[str]]:
        """`docker stack rm`, then what the engine still holds of the stack."""
        docker("stack", "rm", self.name, check=False)
        left: dict[str, list[str]] = {}
        for _ in range(60):
            left = self.leftovers()
            if not any(v for k, v in left.items() if k != "volumes"):
                break
            time.sleep(2)
        return left

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=com.docker.stack.namespace={self.name}"
        return {
            kind: docker(
                *cmd,
                "--filter",
                label,
                "--format",
                "{{.Names}}" if kind == "containers" else "{{.Name}}",
            ).stdout.split()
            for kind, cmd in {
                "services": ("service", "ls"),
                "containers": ("ps", "-a"),
                "networks": ("network", "ls"),
                "configs": ("config", "ls"),
                "secrets": ("secret", "ls"),
                "volumes": ("volume", "ls"),
            }.items()
        }

    def leave(self) -> None:
        if self.joined:
            docker("swarm", "leave", "--force", check=False)


def _done(service: dict[str, Any]) -> bool:
    replicas = str(service["Replicas"])
    if "completed" in replicas:  # a job: "0/1 (1/1 completed)"
        found = re.search(r"\((\d+)/(\d+) completed\)", replicas)
        return found is not None and found.group(1) == found.group(2)
    running, _, wanted = replicas.partition(" ")[0].partition("/")
    return running == wanted and wanted != "0"


@contextmanager
def deployed(
    example: str, host: str, builder: images.Builder, workdir: Path, probe: tuple[str, str]
) -> Iterator[SwarmStack]:
    """The example generated for Swarm, built and deployed with its own scripts, converged,
    ``probe`` (method, path) answered 200 through Traefik; removed (volumes too) at the end."""
    stack = SwarmStack.prepare(example, workdir / "swarm", host)
    builder.ensure(images_of_swarm_stack(stack.dir, "localhost:5000/"))
    try:
        stack.join()
        stack.remove()  # what a killed run left
        stack.script("build-images.sh", "--no-push")
        stack.script("swarm-deploy.sh", "--detach=true")
        stack.wait_converged()
        _wait_routed(stack, host, *probe)
        yield stack
    except Exception:
        print(stack.diagnose())
        raise
    finally:
        try:
            stack.remove()
            docker("volume", "rm", *stack.leftovers()["volumes"], check=False)
        finally:
            stack.leave()


def _wait_routed(
    stack: SwarmStack, host: str, method: str, path: str, timeout: float = 180
) -> None:
    deadline = time.monotonic() + timeout
    status = 0
    while time.monotonic() < deadline:
        try:
            status = stack.request(method, path, host).status
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(2)
    raise RuntimeError(f"{method} {path} through Traefik: {status} after {timeout}s")
