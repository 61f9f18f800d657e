"""Run one generated Kubernetes pod template in the real Docker Engine the way a kubelet
would start it: the container's image, ``command``/``args`` and ``env`` after Kubernetes'
``$(VAR)`` expansion, ``secretKeyRef`` values from a secrets.env, ConfigMap and Secret
volumes laid out item by item (``subPath`` as a file mount), claims as directories owned
by the pod's ``fsGroup``, and the security context as Docker options (``runAsUser``/
``runAsGroup`` → ``--user``, ``fsGroup`` → ``--group-add``, ``capabilities.drop`` →
``--cap-drop``, ``allowPrivilegeEscalation: false`` → ``no-new-privileges``, ``sysctls``
→ ``--sysctl``; Docker's default seccomp profile is RuntimeDefault). Docker opens ports
below 1024 to every user of a container (``ip_unprivileged_port_start=0``) where the
kernel's default, which a kubelet keeps unless the pod sets it, is 1024: 1024 here too.
The probes run with ``docker exec`` as the kubelet's exec probes do (a TCP probe
connects from the host, as the kubelet connects from its node).

What it does not reproduce: the scheduler, Services and NetworkPolicies (the pods share
one Docker network and find each other by their service name)."""

from __future__ import annotations

import os
import secrets as random
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.docker.images import docker
from tests.render.kubernetes_helpers import Rendered, expand, pod_specs

UNPRIVILEGED_PORTS = "net.ipv4.ip_unprivileged_port_start"


def environment(container: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for entry in container.get("env", []):
        if "valueFrom" in entry:
            ref = entry["valueFrom"]["secretKeyRef"]
            if ref["key"] in secrets:
                env[entry["name"]] = secrets[ref["key"]]
            else:
                assert ref.get("optional"), ref
        else:
            env[entry["name"]] = expand(entry["value"], env)
    return env


@dataclass(frozen=True)
class Inputs:
    """What starting some of a rendered stack's pods takes: their templates (in the order
    asked), the ConfigMaps' data by name, and a test value for every ``.env`` variable
    (letters and digits: DynamoDB Local accepts no other access key ids)."""

    templates: list[dict[str, Any]]
    maps: dict[str, dict[str, str]]
    secrets: dict[str, str]

    @property
    def images(self) -> set[str]:
        return {t["spec"]["containers"][0]["image"] for t in self.templates}


def inputs(rendered: Rendered, names: tuple[str, ...]) -> Inputs:
    objects = rendered.objects()
    templates = pod_specs(objects)
    maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    secrets = {name: f"v{random.token_hex(8)}" for name in rendered.stack.env_vars}
    return Inputs([templates[name][1] for name in names], maps, secrets)


@dataclass
class Pod:
    name: str
    container: str  # the Docker container's name
    spec: dict[str, Any]

    def probe(self, kind: str = "readinessProbe") -> bool:
        probe = self.spec["containers"][0][kind]
        if "tcpSocket" in probe:  # the kubelet connects from the node: here, the host
            address = docker(
                "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                self.container,
            ).stdout.strip()  # fmt: skip
            try:
                socket.create_connection((address, probe["tcpSocket"]["port"]), timeout=2).close()
            except OSError:
                return False
            return True
        command = probe["exec"]["command"]
        done = docker("exec", self.container, *command, check=False, timeout=60)
        return done.returncode == 0

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.probe():
                return
            state = docker("inspect", "-f", "{{.State.Running}}", self.container, check=False)
            if state.stdout.strip() != "true":
                logs = docker("logs", self.container, check=False)
                raise AssertionError(f"{self.name} exited:\n{logs.stdout}\n{logs.stderr}")
            time.sleep(1)
        logs = docker("logs", self.container, check=False)
        raise AssertionError(f"{self.name} never ready:\n{logs.stdout}\n{logs.stderr}")

    def exec(self, *command: str) -> str:
        return docker("exec", self.container, *command, timeout=60).stdout


def _volumes(
    spec: dict[str, Any], maps: dict[str, dict[str, str]], secrets: dict[str, str], root: Path
) -> dict[str, Path]:
    """volume name → the host directory holding its files."""
    group = spec.get("securityContext", {}).get("fsGroup")
    out = {}
    for volume in spec.get("volumes", []):
        where = root / volume["name"]
        where.mkdir(parents=True)
        if "configMap" in volume or "secret" in volume:
            source = volume.get("configMap") or volume["secret"]
            data = maps[source["name"]] if "configMap" in volume else secrets
            for item in source["items"]:
                if item["key"] not in data:
                    continue
                target = where / item["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(data[item["key"]])
                target.chmod(item.get("mode", 0o644))
        else:
            _claim(where, group)
        out[volume["name"]] = where
    for mount in spec["containers"][0].get("volumeMounts", []):
        if mount["name"] not in out:  # a StatefulSet's volumeClaimTemplate
            out[mount["name"]] = root / mount["name"]
            out[mount["name"]].mkdir(parents=True)
            _claim(out[mount["name"]], group)
    return out


def _claim(where: Path, group: int | None) -> None:
    """A fresh volume: the kubelet hands it to the pod's fsGroup (setgid), else as the
    provisioner made it (root's, writable)."""
    if group is not None:
        os.chown(where, 0, group)
        where.chmod(0o2775)
    else:
        where.chmod(0o755)


def docker_options(spec: dict[str, Any], container: dict[str, Any]) -> list[str]:
    pod = spec.get("securityContext", {})
    security = container.get("securityContext", {})
    options = []
    if "runAsUser" in security:
        options += ["--user", f"{security['runAsUser']}:{security.get('runAsGroup', 0)}"]
    if "fsGroup" in pod:
        options += ["--group-add", str(pod["fsGroup"])]
    for cap in security.get("capabilities", {}).get("drop", []):
        options += ["--cap-drop", cap]
    if security.get("allowPrivilegeEscalation") is False:
        options += ["--security-opt", "no-new-privileges"]
    sysctls = {UNPRIVILEGED_PORTS: "1024"}  # Docker opens every port; the kernel does not
    sysctls |= {s["name"]: s["value"] for s in pod.get("sysctls", [])}
    for key, value in sorted(sysctls.items()):
        options += ["--sysctl", f"{key}={value}"]
    if security.get("readOnlyRootFilesystem"):
        options.append("--read-only")
    return options


def run(
    template: dict[str, Any],
    maps: dict[str, dict[str, str]],
    secrets: dict[str, str],
    root: Path,
    network: str,
    project: str,
) -> Pod:
    spec = template["spec"]
    container = spec["containers"][0]
    name = container["name"]
    env = environment(container, secrets)
    host = _volumes(spec, maps, secrets, root / name)
    args = ["run", "-d", "--name", f"{project}-{name}", "--network", network]
    args += ["--network-alias", name, *docker_options(spec, container)]
    for key, value in sorted(env.items()):
        args += ["-e", f"{key}={value}"]
    for mount in container.get("volumeMounts", []):
        source = host[mount["name"]] / mount.get("subPath", "")
        suffix = ":ro" if mount.get("readOnly") else ""
        args += ["-v", f"{source}:{mount['mountPath']}{suffix}"]
    command = [expand(a, env) for a in container.get("command", [])]
    if command:
        args += ["--entrypoint", command[0]]
    args.append(container["image"])
    args += command[1:] + [expand(a, env) for a in container.get("args", [])]
    docker(*args, timeout=120)
    return Pod(name, f"{project}-{name}", spec)
