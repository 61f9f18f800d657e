"""Services (IR) → a Docker Swarm stack: ``stack.yml`` for ``docker stack deploy``.

Each service starts as the Compose renderer writes it (one source of environment,
healthchecks, limits, labels), then becomes what Swarm runs:

- **images, not builds**: Swarm does not build; a built service runs
  ``platform.built_image`` (``scripts/build-images.sh`` builds and pushes it);
- **configs, not bind mounts**: every generated file a bind mount showed (Traefik's
  static and dynamic files, the shim's config, a service's scripts) is a Swarm config
  named after its content's hash (configs are immutable: a changed file is a new
  config, the old one goes with the next deploy), mounted at the same path;
- **secrets**: the ``.env`` variables a service declared as secrets are external Swarm
  secrets that ``scripts/swarm-deploy.sh`` creates from ``.env`` (Swarm cannot read a
  variable as a secret's source); values never appear in a generated file;
- **deploy**: replicas and limits as in Compose, a function's replicas at least its
  Lambda provisioned concurrency and at most its reserved concurrency; ``update_config``
  start-first with rollback on failure for stateless services, stop-first for the ones that own a
  volume (two copies must never share one); ``restart_policy``; one-shot services as
  ``replicated-job``; every service with a named volume pinned by a placement
  constraint to the node labelled ``cloudexit.<stack>.<service>=true`` (the volume lives
  on that node);
- **endpoint mode** ``dnsrr``: a service's name resolves to its tasks' addresses and
  the edge balances them itself (a new connection per request, see
  ``traefik.static_config``). Swarm's default virtual IP needs the kernel's IPVS, which
  not every host has (where it is missing, a virtual IP answers "no route to host"),
  and a dial that meets a stopping task falls through to the next address;
- **networks**: overlays; ``backend`` internal (no route out) and attachable (a
  one-off ``migrate-data`` container can join it);
- ``depends_on`` and ``restart`` are not Swarm keys: services restart until what they
  need answers (the init jobs retry on failure, the shims load without their data).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose, platform
from cloudexit_ci.render.jinja import render
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.tree import Files

_STATELESS_UPDATE = {
    "parallelism": 1,
    "order": "start-first",
    "failure_action": "rollback",
    "monitor": "20s",
}
_STATEFUL_UPDATE = {"parallelism": 1, "order": "stop-first", "failure_action": "rollback"}
_STATELESS_ROLLBACK = {"parallelism": 1, "order": "start-first"}
_STATEFUL_ROLLBACK = {"parallelism": 1, "order": "stop-first"}


def swarm_files(stack: Stack, options: Options, head: str, common: Files) -> Files:
    document = stack_document(stack, options, common)
    sources = tuple(sorted({o.address for s in stack.services.values() for o in s.origins}))
    files: Files = {"stack.yml": (yamlio.dump(document, header=head).encode(), sources)}
    files["scripts/swarm-deploy.sh"] = (_deploy_script(stack, head, document).encode(), sources)
    return files


def stack_document(stack: Stack, options: Options, common: Files) -> dict[str, Any]:
    secret_vars = compose.declared_secrets(stack)
    services: dict[str, Any] = {}
    configs: dict[str, Any] = {}
    for name, svc in sorted(stack.services.items(), key=compose.service_order):
        secrets = compose.secrets_of(svc, secret_vars)
        out = compose.service_document(svc, secrets)
        _adapt(out, svc, stack, options)
        mounted = _configs(svc, stack, common)
        if mounted:
            out["configs"] = [{"source": key, "target": target} for key, target, _ in mounted]
            configs.update({key: spec for key, _, spec in mounted})
        services[name] = out
    doc: dict[str, Any] = {"services": services}
    networks = sorted({n for s in stack.services.values() for n in s.networks})
    doc["networks"] = {n: _network(n) for n in networks}
    if stack.volumes:
        doc["volumes"] = {name: {} for name in sorted(stack.volumes)}
    used = compose.used_secrets(stack)
    if used:
        doc["secrets"] = {
            compose.secret_name(v): {"external": True, "name": secret_of(stack, v)} for v in used
        }
    if configs:
        doc["configs"] = dict(sorted(configs.items()))
    return doc


def secret_of(stack: Stack, var: str) -> str:
    """The Swarm secret holding ``.env``'s ``var`` (created by scripts/swarm-deploy.sh)."""
    return f"{stack.name}_{compose.secret_name(var)}"


def node_label(stack: Stack, service: str) -> str:
    """The node label that pins a stateful service (and its volumes) to one node."""
    return f"cloudexit.{stack.name}.{service}"


def _network(name: str) -> dict[str, Any]:
    if name == "backend":
        return {"driver": "overlay", "internal": True, "attachable": True}
    return {"driver": "overlay"}


def _adapt(out: dict[str, Any], svc: Service, stack: Stack, options: Options) -> None:
    """Compose keys → Swarm's (in place)."""
    for key in ("build", "restart", "depends_on", "expose"):
        out.pop(key, None)
    if svc.build is not None:
        image = {"image": platform.built_image(options, stack, svc.name)}
        rest = dict(out)
        out.clear()
        out.update(image | rest)
    if svc.ports:
        out["ports"] = [_host_port(p) for p in svc.ports]
    volumes = [f"{name}:{target}" for name, target in platform.named_volumes(svc)]
    if volumes:
        out["volumes"] = [compose.literal(v) for v in volumes]
    else:
        out.pop("volumes", None)
    deploy = out.pop("deploy", {})
    out["deploy"] = deploy | {"endpoint_mode": "dnsrr"} | _deploy(svc, stack, bool(volumes))


def _host_port(spec: str) -> dict[str, Any]:
    """``[ip:]published:target`` → Swarm's long form in ``host`` mode: the edge sees the
    client's address (the ingress mesh would replace it, and every per-client rate limit
    and source allow-list would see one client)."""
    *_, published, target = spec.split(":")
    return {"target": int(target), "published": int(published), "protocol": "tcp", "mode": "host"}


def _deploy(svc: Service, stack: Stack, stateful: bool) -> dict[str, Any]:
    if svc.one_shot:
        return {
            "mode": "replicated-job",
            "restart_policy": {"condition": "on-failure", "delay": "5s", "max_attempts": 30},
        }
    deploy: dict[str, Any] = {
        "update_config": _STATEFUL_UPDATE if stateful else _STATELESS_UPDATE,
        "rollback_config": _STATEFUL_ROLLBACK if stateful else _STATELESS_ROLLBACK,
        "restart_policy": {"condition": "any", "delay": "5s", "window": "30s"},
    }
    if svc.role == "function":  # within Lambda's reserved concurrency, warm as provisioned
        base = svc.replicas or 1
        replicas, _ = platform.replica_bounds(svc, stack, base, base)
        if replicas != base:  # else Compose's own (svc.replicas), or Swarm's default of 1
            deploy["replicas"] = replicas
    if stateful:
        deploy["placement"] = {"constraints": [f"node.labels.{node_label(stack, svc.name)}==true"]}
    return deploy


def _configs(svc: Service, stack: Stack, common: Files) -> list[tuple[str, str, dict[str, Any]]]:
    """(config key, container path, top-level spec) for each file a bind mount shows."""
    out = []
    for mount in platform.bind_mounts(svc, common):
        for target, path in mount.files:
            data = common[path][0]
            key = _config_key(path)
            digest = hashlib.sha256(data).hexdigest()[:12]
            spec = {"file": f"./{path}", "name": f"{stack.name}-{key}-{digest}"}
            out.append((key, target, spec))
    return out


def _config_key(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-").lower()


def _deploy_script(stack: Stack, head: str, document: dict[str, Any]) -> str:
    secrets = {secret_of(stack, var): var for var in compose.used_secrets(stack)}
    labels = sorted(
        node_label(stack, name)
        for name, svc in document["services"].items()
        if "placement" in svc["deploy"]
    )
    return render(
        "swarm/swarm-deploy.sh.j2",
        header=head,
        stack=stack.name,
        secrets=sorted(secrets.items()),
        labels=labels,
    )
