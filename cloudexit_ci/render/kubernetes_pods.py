"""One Service (IR) → the pod template Kubernetes runs it with (render/kubernetes.py).

Values are typed (``cloudexit_ci.values``); this is the only place that writes them as
Kubernetes text. Kubernetes expands ``$(NAME)`` in ``command``, ``args`` and env values,
and reads ``$$`` as one ``$``: every ``$`` of literal text that precedes ``(`` or ``$``
is doubled (:func:`literal`), so a shell's ``$(date)`` or ``$$`` reaches the container as
written. An ``EnvRef`` alone reads the ``.env`` Secret (``secretKeyRef``); text around an
``EnvRef`` declares ``CLOUDEXIT_DOTENV_<NAME>`` from the Secret first and uses
Kubernetes' ``$(CLOUDEXIT_DOTENV_<NAME>)`` dependent-variable expansion. No value of a
``.env`` variable is ever written into a manifest.

Security: every pod runs with ``automountServiceAccountToken: false`` (nothing here talks
to the Kubernetes API) and the RuntimeDefault seccomp profile; no container may gain
privileges. A service whose user the IR fixes (``10001:10001``: functions, pollers, the
generated services) runs as that uid with ``runAsNonRoot`` and every capability dropped.
Traefik runs as uid 65532 with the pod's unprivileged port range opened from 0 (the safe
``net.ipv4.ip_unprivileged_port_start`` sysctl) so the shared static config keeps
``:80``/``:443``. A third-party image whose user the IR does not know (databases, object
stores, Keycloak, ECS images) keeps its own user and capabilities: postgres, ScyllaDB and
MinIO start as root to own their data directory, so no ``runAsNonRoot`` is claimed.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from cloudexit_ci.options import Options
from cloudexit_ci.render import platform
from cloudexit_ci.render.compose import declared_secrets, secret_name, secrets_of
from cloudexit_ci.stack import HealthCheck, Service, Stack
from cloudexit_ci.tree import Files
from cloudexit_ci.values import EnvRef, Value, parts_of

SECRET = "dotenv"  # the Secret each overlay's secretGenerator makes from secrets.env
DOTENV_PREFIX = "CLOUDEXIT_DOTENV_"
GATEWAY_UID = 65532
STARTUP_PROBE_FROM_S = 30  # a start period at least this long gets a startupProbe
CPU_REQUEST = "100m"  # what the HPA's utilisation is measured against when cpus is unset


def literal(text: str) -> str:
    """Literal text where Kubernetes expands ``$(VAR)``: ``$`` before ``(``/``$`` doubled."""
    return re.sub(r"\$(?=[$(])", "$$", text)


def label(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service}


def _secret_ref(name: str, required: bool) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": SECRET, "key": name}
    if not required:
        ref["optional"] = True
    return {"secretKeyRef": ref}


def env_entries(environment: tuple[tuple[str, Value], ...]) -> list[dict[str, Any]]:
    """The container's ``env``: helper variables for embedded ``.env`` reads first."""
    helpers: dict[str, dict[str, Any]] = {}
    entries = []
    for name, value in environment:
        parts = list(parts_of(value))
        if len(parts) == 1 and isinstance(parts[0], EnvRef):
            entries.append(
                {"name": name, "valueFrom": _secret_ref(parts[0].name, parts[0].required)}
            )
            continue
        text = []
        for part in parts:
            if isinstance(part, str):
                text.append(literal(part))
            elif isinstance(part, EnvRef):
                helper = DOTENV_PREFIX + part.name
                helpers.setdefault(
                    helper, {"name": helper, "valueFrom": _secret_ref(part.name, part.required)}
                )
                text.append(f"$({helper})")
            else:
                raise AssertionError(f"unresolved {part!r} reached the Kubernetes renderer")
        entries.append({"name": name, "value": "".join(text)})
    return [helpers[h] for h in sorted(helpers)] + entries


def image_of(stack: Stack, svc: Service, options: Options) -> str:
    if svc.build is not None:
        return platform.built_image(options, stack, svc.name)
    if isinstance(svc.image, EnvRef):
        return placeholder_image(svc.image.name)
    assert isinstance(svc.image, str), f"{svc.name}: no image"
    return svc.image


def placeholder_image(var: str) -> str:
    """The image of a service whose image is a ``.env`` variable: each overlay's
    ``images:`` names the real one (Kubernetes reads no variable in ``image``)."""
    return f"cloudexit.invalid/{var.lower().replace('_', '-')}:set-in-overlay"


def _exec(check: HealthCheck) -> dict[str, Any]:
    kind, *rest = check.test
    command = ["sh", "-c", rest[0]] if kind == "CMD-SHELL" else list(rest)
    return {"exec": {"command": command}}


def probes(svc: Service) -> dict[str, Any]:
    """readiness + liveness (+ startup when the start period is long) from the
    healthcheck; a TCP check of the first port when the IR has no healthcheck."""
    check = svc.healthcheck
    if check is None or check.test[0] not in ("CMD", "CMD-SHELL"):
        if not svc.expose:
            return {}
        action: dict[str, Any] = {"tcpSocket": {"port": svc.expose[0]}}
        return {
            "readinessProbe": action | {"periodSeconds": 10},
            "livenessProbe": action | {"periodSeconds": 20, "initialDelaySeconds": 10},
        }
    action = _exec(check)
    timing = {"periodSeconds": check.interval_s, "timeoutSeconds": check.timeout_s}
    out: dict[str, Any] = {"readinessProbe": action | timing | {"failureThreshold": check.retries}}
    if check.start_period_s >= STARTUP_PROBE_FROM_S:
        attempts = -(-check.start_period_s // check.interval_s) + check.retries
        out["startupProbe"] = action | timing | {"failureThreshold": attempts}
        out["livenessProbe"] = action | timing | {"failureThreshold": check.retries}
    else:
        delay = {"initialDelaySeconds": check.start_period_s} if check.start_period_s else {}
        out["livenessProbe"] = action | timing | delay | {"failureThreshold": check.retries}
    return out


def resources(svc: Service) -> dict[str, Any]:
    limits: dict[str, str] = {}
    requests: dict[str, str] = {"cpu": CPU_REQUEST}
    if svc.memory_mb:
        limits["memory"] = requests["memory"] = f"{svc.memory_mb}Mi"
    if svc.cpus:
        limits["cpu"] = requests["cpu"] = str(svc.cpus)
    out: dict[str, Any] = {"requests": dict(sorted(requests.items()))}
    if limits:
        out["limits"] = dict(sorted(limits.items()))
    return out


def ids_of(svc: Service) -> tuple[int, int] | None:
    """(uid, gid) when the IR fixes a numeric non-root user."""
    match = re.fullmatch(r"(\d+)(?::(\d+))?", svc.user or "")
    if not match or int(match.group(1)) == 0:
        return None
    return int(match.group(1)), int(match.group(2) or match.group(1))


def non_root(svc: Service) -> tuple[int, int] | None:
    """The uid/gid a container provably runs as (never claimed for an unknown image)."""
    if svc.role == "gateway":
        return GATEWAY_UID, GATEWAY_UID
    return ids_of(svc)


def container_security(svc: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"allowPrivilegeEscalation": False}
    ids = non_root(svc)
    if ids is not None:
        out |= {"runAsNonRoot": True, "runAsUser": ids[0], "runAsGroup": ids[1]}
        out["capabilities"] = {"drop": ["ALL"]}
    if svc.read_only_root:
        out["readOnlyRootFilesystem"] = True
    return out


def pod_security(svc: Service) -> dict[str, Any]:
    out: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}
    ids = non_root(svc)
    if ids is not None:
        out["fsGroup"] = ids[1]
    if svc.role == "gateway":
        out["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    return out


def bind_volume_name(index: int) -> str:
    """The pod volume of a service's ``index``-th bind mount (its ConfigMap)."""
    return f"files-{index}"


def config_map_name(source: str) -> str:
    """The ConfigMap of one bind-mount source (shared by every service mounting it)."""
    slug = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")
    return f"files-{slug}"[:63].rstrip("-")


def config_key(relative: str) -> str:
    return relative.replace("/", "__")


def mounts(svc: Service, common: Files, stack: Stack) -> tuple[list[Any], list[Any]]:
    """(volumes, volumeMounts): bind mounts as ConfigMaps at the same paths, named
    volumes as PersistentVolumeClaims (a StatefulSet's own claims are named alike),
    ``.env`` secrets as files under /run/secrets like Compose's."""
    volumes: list[Any] = []
    mounted: list[Any] = []
    for index, mount in enumerate(platform.bind_mounts(svc, common)):
        shown, entry = _bind_volume(bind_volume_name(index), mount)
        volumes.append(shown)
        mounted.append(entry)
    for claim, target in platform.named_volumes(svc):
        entry = {"name": claim, "mountPath": target}
        if (claim, f"{target}:ro") in svc.volumes:
            entry["readOnly"] = True
        mounted.append(entry)
        if svc.role != "data":
            volumes.append({"name": claim, "persistentVolumeClaim": {"claimName": claim}})
    secrets = secrets_of(svc, declared_secrets(stack))
    if secrets:
        items = [{"key": v, "path": secret_name(v)} for v in secrets]
        volumes.append(
            {
                "name": "dotenv-secrets",
                "secret": {"secretName": SECRET, "items": items, "optional": True},
            }
        )
        mounted.append({"name": "dotenv-secrets", "mountPath": "/run/secrets", "readOnly": True})
    return volumes, mounted


def _bind_volume(name: str, mount: platform.Mount) -> tuple[dict[str, Any], dict[str, Any]]:
    """A bind mount as a ConfigMap volume of its files (a file: one item at its subPath);
    an empty directory as an empty directory."""
    entry: dict[str, Any] = {"name": name, "mountPath": mount.target, "readOnly": True}
    if not mount.files:
        return {"name": name, "emptyDir": {}}, entry
    items = []
    for target, path in mount.files:
        relative = target[len(mount.target) + 1 :] or path.rsplit("/", 1)[-1]
        item: dict[str, Any] = {"key": config_key(path), "path": relative}
        if path.endswith(".sh"):
            item["mode"] = 0o755
        items.append(item)
    if mount.files[0][0] == mount.target:
        entry["subPath"] = items[0]["path"]
    source = {"name": config_map_name(mount.source), "items": items}
    return {"name": name, "configMap": source}, entry


def config_digest(svc: Service, common: Files) -> str:
    """A digest of every file the service mounts: changed files roll the pods."""
    shown = sorted(p for m in platform.bind_mounts(svc, common) for _, p in m.files)
    digest = hashlib.sha256(json.dumps(shown).encode())
    for path in shown:
        digest.update(common[path][0])
    return digest.hexdigest()[:16]


def container(svc: Service, stack: Stack, image: str, common: Files) -> dict[str, Any]:
    out: dict[str, Any] = {"name": svc.name, "image": image}
    if svc.entrypoint:
        out["command"] = [literal(a) for a in svc.entrypoint]
    if svc.command:
        out["args"] = [literal(a) for a in svc.command]
    if svc.environment:
        out["env"] = env_entries(svc.environment)
    ports = _ports(svc)
    if ports:
        out["ports"] = ports
    if not svc.one_shot:
        out |= probes(svc)
    out["resources"] = resources(svc)
    out["securityContext"] = container_security(svc)
    _, mounted = mounts(svc, common, stack)
    if mounted:
        out["volumeMounts"] = mounted
    return out


def container_ports(svc: Service) -> list[int]:
    """The ports the container listens on (the gateway's from its published ports)."""
    if svc.role == "gateway":
        return sorted({int(p.rsplit(":", 1)[-1].split("/")[0]) for p in svc.ports})
    return sorted(set(svc.expose))


def _ports(svc: Service) -> list[dict[str, Any]]:
    return [{"containerPort": p, "protocol": "TCP"} for p in container_ports(svc)]
