"""Run a checked-in generated stack in the real Docker Engine, as a user would.

The example's ``stack/`` (and the Terraform directory its build contexts name) is copied to a
temporary directory, a ``.env`` is written from ``.env.example`` with test values, and
``docker compose`` runs it with one test-only override file (``compose.test.yml``) that:

- publishes Traefik's ports on 127.0.0.1 at free ports instead of 0.0.0.0:80/443;
- mounts a copy of the generated static configuration with the ACME CA server pointed at a
  closed loopback port and Traefik's update check and usage report off, so nothing leaves
  the machine; Traefik then serves its default self-signed certificate on ``websecure``.

The stack's own files are used unchanged: a defect the engine reveals is fixed in the
generator, with a regression test that needs no engine (tests/render/test_engine_needs.py).
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.docker.images import DOCKER
from tests.servers import free_ports

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).parent / "fixtures"
UP_TIMEOUT = 900


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def env_values(example: Path) -> dict[str, str]:
    """A test value for every variable of .env.example: letters and digits only (DynamoDB
    Local accepts no other access key ids), at least 8 characters (MinIO's minimum)."""
    values = {}
    for line in example.read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            values[match.group(1)] = "t" + match.group(1).lower().replace("_", "") + "9"
    return values


def test_static_config(generated: Path) -> str:
    config = yaml.safe_load(generated.read_text())
    for resolver in (config.get("certificatesResolvers") or {}).values():
        resolver.setdefault("acme", {})["caServer"] = "https://127.0.0.1:9/directory"
    config["global"] = {"checkNewVersion": False, "sendAnonymousUsage": False}
    return yaml.safe_dump(config, sort_keys=False)


def _generate(root: Path, name: str, domain: str, options: tuple[str, ...]) -> None:
    """`cloudexit-ci migrate` run where the user's repository would be (no .cloudexit.yml)."""
    args = ["migrate", "terraform", "--output", "stack", "--domain", domain, "--name", name,
            *options]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "cloudexit_ci", *args], cwd=root, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"cloudexit-ci {' '.join(args)} exited {done.returncode}: {done.stderr}")


def _domain(stack: Path) -> str:
    """The API domain the checked-in stack was generated with (from its routers)."""
    for path in sorted((stack / "traefik" / "dynamic").glob("*.yml")):
        found = re.search(r"Host\(`([^`]+)`\)", path.read_text())
        if found:
            return found.group(1)
    raise LookupError(f"no Host rule in {stack}/traefik/dynamic")


class Edge:
    """A running stack's Traefik, published on ``http_port``/``https_port`` of 127.0.0.1;
    ``dir`` is the generated stack, ``project`` its Compose project or Swarm stack name."""

    http_port: int
    https_port: int
    project: str

    @property
    def dir(self) -> Path:
        raise NotImplementedError

    def request(
        self, method: str, path: str, host: str, body: bytes | None = None,
        headers: dict[str, str] | None = None, tls: bool = True,
    ) -> Reply:  # fmt: skip
        """One request to the Traefik container's published port (websecure, or web)."""
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", self.https_port, timeout=30, context=context
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            reply = conn.getresponse()
            data = reply.read()
            return Reply(reply.status, {k.lower(): v for k, v in reply.getheaders()}, data)
        finally:
            conn.close()


@dataclass
class ComposeStack(Edge):
    example: str
    root: Path
    project: str = ""
    http_port: int = 0
    https_port: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    down_done: bool = False
    ready_at: float = 0.0

    @property
    def dir(self) -> Path:
        return self.root / "stack"

    @classmethod
    def prepare(
        cls, example: str, tmp: Path, generate: tuple[str, ...] | None = None
    ) -> ComposeStack:
        """Copy the example's checked-in stack, or (``generate``: extra `migrate` options)
        generate one from its Terraform with the CLI, as a user would: an example's, with
        the checked-in stack's name and domain, or a fixture's (tests/docker/fixtures/NAME,
        domain from its DOMAIN file)."""
        source = EXAMPLES / example if (EXAMPLES / example).is_dir() else FIXTURES / example
        name = example if not generate else f"{example}-{'-'.join(generate)}"
        name = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        root = tmp / name
        shutil.copytree(source / "terraform", root / "terraform")
        if generate is None:
            shutil.copytree(source / "stack", root / "stack")
        elif source.parent == EXAMPLES:
            checked_in = yaml.safe_load((source / "stack" / "docker-compose.yml").read_text())
            _generate(root, checked_in["name"], _domain(source / "stack"), generate)
        else:
            _generate(root, example, (source / "DOMAIN").read_text().strip(), generate)
        http_port, https_port = free_ports(2)
        stack = cls(name, root, f"cxtest-{name}"[:60], http_port, https_port)
        stack.write_test_files()
        return stack

    def write_test_files(self) -> None:
        values = env_values(self.dir / ".env.example")
        (self.dir / ".env").write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
        if not (self.dir / "traefik" / "traefik.yml").exists():  # no gateway in this stack
            (self.dir / "compose.test.yml").write_text("services: {}\n")
            return
        static = test_static_config(self.dir / "traefik" / "traefik.yml")
        (self.dir / "traefik.test.yml").write_text(static)
        override = (
            "services:\n  traefik:\n    ports: !override\n"
            f'      - "127.0.0.1:{self.http_port}:80"\n      - "127.0.0.1:{self.https_port}:443"\n'
            "    volumes:\n      - ./traefik.test.yml:/etc/traefik/traefik.yml:ro\n"
        )
        (self.dir / "compose.test.yml").write_text(override)

    def env(self) -> dict[str, str]:
        return env_values(self.dir / ".env.example")

    def service_env(self, service: str) -> dict[str, str]:
        """A service's environment as Compose resolves it (the .env interpolated)."""
        config = json.loads(self.compose("config", "--format", "json"))
        found = config["services"][service].get("environment") or {}
        return {str(k): str(v) for k, v in found.items()}

    def compose(
        self, *args: str, timeout: float = 600, check: bool = True, input_data: bytes | None = None
    ) -> str:
        cmd = [DOCKER, "compose", "-p", self.project, "-f", "docker-compose.yml", "-f",
               "compose.test.yml", "--env-file", ".env", *args]  # fmt: skip
        done = subprocess.run(
            cmd, cwd=self.dir, capture_output=True, timeout=timeout, check=False, input=input_data
        )
        out, err = (x.decode("utf-8", "replace") for x in (done.stdout, done.stderr))
        if check and done.returncode != 0:
            raise RuntimeError(
                f"`docker compose {' '.join(args)}` exited {done.returncode}:\n"
                f"{out[-4000:]}\n{err[-4000:]}"
            )
        return out

    def timed(self, name: str, *args: str, timeout: float = 600) -> str:
        start = time.monotonic()
        try:
            return self.compose(*args, timeout=timeout)
        finally:
            self.timings[name] = round(time.monotonic() - start, 1)

    def build(self) -> None:
        """`docker compose build`, once more if it fails (a registry can drop a download)."""
        try:
            self.timed("build", "build", timeout=1800)
        except RuntimeError:
            self.timed("build", "build", timeout=1800)

    def up(self) -> None:
        try:
            self.timed("up", "up", "--detach", "--wait", "--wait-timeout", str(UP_TIMEOUT),
                       "--no-build", "--pull", "never", timeout=UP_TIMEOUT + 120)  # fmt: skip
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"{exc}\n{self.diagnose()}") from exc
        self.ready_at = time.monotonic()

    def services(self) -> list[dict[str, Any]]:
        out = self.compose("ps", "--all", "--format", "json")
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [row for item in rows for row in (item if isinstance(item, list) else [item])]

    def logs(self, service: str, lines: int = 40) -> str:
        return self.compose("logs", "--no-color", "--tail", str(lines), service, check=False)

    def troubled(self) -> list[str]:
        """Services not running healthy, and one-shot jobs that did not exit 0."""
        bad = []
        for row in self.services():
            state, health = row.get("State"), row.get("Health") or ""
            if state == "exited" and row.get("ExitCode") == 0:
                continue
            if state != "running" or health not in ("", "healthy"):
                bad.append(row["Service"])
        return sorted(set(bad))

    def diagnose(self, services: list[str] | None = None) -> str:
        try:
            names = services if services is not None else self.troubled()
        except RuntimeError as exc:
            return f"(docker compose ps failed: {exc})"
        parts = [f"--- {name}: last log lines ---\n{self.logs(name)}" for name in names]
        return "\n".join(parts) or "(no failing service found)"

    def exec(self, service: str, *cmd: str, timeout: float = 120) -> str:
        return self.compose("exec", "-T", service, *cmd, timeout=timeout)

    def down(self) -> None:
        if not self.down_done:
            if self.ready_at:
                self.timings["tests"] = round(time.monotonic() - self.ready_at, 1)
            self.timed("down", "down", "--volumes", "--remove-orphans", "--timeout", "20")
            self.down_done = True

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=com.docker.compose.project={self.project}"
        found = {}
        for kind in ("container", "network", "volume"):
            extra = ["--all"] if kind == "container" else []
            out = subprocess.run(
                [DOCKER, kind, "ls", *extra, "--quiet", "--filter", label],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            found[kind] = out
        return found
