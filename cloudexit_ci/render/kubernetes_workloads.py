"""One Service (IR) → its Kubernetes objects (render/kubernetes.py lays them out).

- gateway → Deployment + Service of type LoadBalancer (80/443) + the ACME claim;
- function → Deployment + ClusterIP Service + HorizontalPodAutoscaler + PodDisruptionBudget;
- worker → Deployment (+ Service when it listens, + PodDisruptionBudget past 1 replica);
- data → StatefulSet (one claim template per named volume) + headless Service;
- one-shot (init) → Job. Kubernetes has no ``depends_on``: a Job waits in an
  initContainer (busybox's ``nc -z``) until every service it depends on accepts TCP on
  its first port through its Service, i.e. until one of its pods is Ready (a Service
  routes to Ready pods only, so ``service_healthy`` holds). Long-running services do not
  wait: Kubernetes restarts them until what they need answers, as Compose's restart
  policy would.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cloudexit_ci.options import Options
from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render import platform
from cloudexit_ci.render.platform import named_volumes
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.tree import Files

WAIT_IMAGE = "busybox:1.37.0"
DEFAULT_MAX_REPLICAS = 10  # a function's HPA ceiling when Lambda reserved no concurrency
CPU_TARGET = 70  # percent of the CPU request
DATA_SIZE = "10Gi"  # a data volume's claim (the IR has no size)
STATE_SIZE = "1Gi"  # ACME storage, the invoke journal
JOB_BACKOFF = 6
JOB_TTL_S = 3600  # a finished Job is removed, so the next apply runs it again


def meta(name: str, stack: Stack, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": stack.name, **extra}


def labels(svc: Service, stack: Stack) -> dict[str, str]:
    out = pods.label(svc.name) | {
        "app.kubernetes.io/part-of": stack.name,
        "app.kubernetes.io/component": svc.role,
    }
    if "frontend" in svc.networks:
        out["cloudexit.io/egress"] = "internet"  # Compose's non-internal network
    return out


def source_notes(svc: Service) -> dict[str, str]:
    out = {"cloudexit.io/source": ",".join(sorted({o.address for o in svc.origins}))}
    if svc.comment:
        out["cloudexit.io/description"] = svc.comment
    return out


def grace_period(svc: Service, stack: Stack) -> int | None:
    if svc.stop_grace_s is not None:
        return svc.stop_grace_s
    timeouts = [stack.functions[k].timeout_s for k in svc.serves if k in stack.functions]
    return max(timeouts) + 5 if timeouts else None


def pod_template(svc: Service, stack: Stack, options: Options, common: Files) -> dict[str, Any]:
    image = pods.image_of(stack, svc, options)
    volumes, _ = pods.mounts(svc, common, stack)
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": pods.pod_security(svc),
        "containers": [pods.container(svc, stack, image, common)],
    }
    grace = grace_period(svc, stack)
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    if svc.one_shot:
        spec["restartPolicy"] = "OnFailure"
        waits = wait_for(svc, stack)
        if waits:
            spec["initContainers"] = waits
    if volumes:
        spec["volumes"] = volumes
    notes = {"cloudexit.io/config": pods.config_digest(svc, common)}
    return {"metadata": {"labels": labels(svc, stack), "annotations": notes}, "spec": spec}


def wait_for(svc: Service, stack: Stack) -> list[dict[str, Any]]:
    """The initContainer a Job waits in: TCP through each dependency's Service."""
    targets = []
    for dep in svc.depends_on:
        other = stack.services.get(dep.service)
        if other is not None and pods.container_ports(other):
            targets.append((other.name, pods.container_ports(other)[0]))
    if not targets:
        return []
    script = "; ".join(
        f"until nc -z -w 2 {host} {port}; do echo waiting for {host}:{port}; sleep 2; done"
        for host, port in sorted(targets)
    )
    security = {
        "allowPrivilegeEscalation": False,
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "runAsGroup": 65534,
        "capabilities": {"drop": ["ALL"]},
    }
    return [
        {
            "name": "wait-for-dependencies",
            "image": WAIT_IMAGE,
            "command": ["sh", "-c", pods.literal(script)],
            "resources": {
                "requests": {"cpu": "10m", "memory": "16Mi"},
                "limits": {"memory": "16Mi"},
            },
            "securityContext": security,
        }
    ]


def _selector(svc: Service) -> dict[str, Any]:
    return {"matchLabels": pods.label(svc.name)}


def deployment(svc: Service, stack: Stack, options: Options, common: Files) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if svc.role != "function":  # a function's replicas belong to its autoscaler
        spec["replicas"] = svc.replicas or 1
    elif platform.reserved_ceiling(svc, stack) == 0:  # reserved 0: Lambda throttles all
        spec["replicas"] = 0
    spec["selector"] = _selector(svc)
    if named_volumes(svc):
        spec["strategy"] = {"type": "Recreate"}  # one writer per ReadWriteOnce claim
    spec["template"] = pod_template(svc, stack, options, common)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(svc.name, stack, labels=labels(svc, stack), annotations=source_notes(svc)),
        "spec": spec,
    }


def claim_spec(size: str, mode: str = "ReadWriteOnce") -> dict[str, Any]:
    return {"accessModes": [mode], "resources": {"requests": {"storage": size}}}


def _reads_only(svc: Service, volume: str) -> bool:
    return any(v == volume and t.endswith(":ro") for v, t in svc.volumes)


def volume_users(stack: Stack) -> dict[str, list[Service]]:
    """named volume → the services mounting it, writers first (then by name)."""
    users: dict[str, list[Service]] = {}
    for _, svc in sorted(stack.services.items()):
        for name, _ in named_volumes(svc):
            users.setdefault(name, []).append(svc)
    for name, found in users.items():
        found.sort(key=lambda s: (_reads_only(s, name), s.name))
    return users


def claims(svc: Service, stack: Stack) -> list[dict[str, Any]]:
    """The PersistentVolumeClaims of the named volumes this Deployment writes first.
    A volume several services mount (the WebSocket gateway's TLS material) is
    ReadWriteMany: its pods may land on different nodes (an RWX StorageClass, e.g.
    NFS or CephFS, is then needed)."""
    out = []
    for name, found in sorted(volume_users(stack).items()):
        if found[0].name != svc.name:
            continue
        mode = "ReadWriteMany" if len(found) > 1 else "ReadWriteOnce"
        out.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": meta(name, stack, labels=labels(svc, stack)),
                "spec": claim_spec(STATE_SIZE, mode),
            }
        )
    return out


def statefulset(svc: Service, stack: Stack, options: Options, common: Files) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "serviceName": svc.name,
        "replicas": svc.replicas or 1,
        "selector": _selector(svc),
        "template": pod_template(svc, stack, options, common),
    }
    templates = volume_claim_templates(svc, DATA_SIZE)
    if templates:
        spec["volumeClaimTemplates"] = templates
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta(svc.name, stack, labels=labels(svc, stack), annotations=source_notes(svc)),
        "spec": spec,
    }


def volume_claim_templates(svc: Service, size: str) -> list[dict[str, Any]]:
    return [
        {"metadata": {"name": name}, "spec": claim_spec(size)} for name, _ in named_volumes(svc)
    ]


def job(svc: Service, stack: Stack, options: Options, common: Files) -> dict[str, Any]:
    """A Job named by its content: a Job's template cannot change, so changed work is a
    new Job (the old one goes with its TTL) and an unchanged apply is a no-op."""
    template = pod_template(svc, stack, options, common)
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:8]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(
            f"{svc.name}-{digest}", stack, labels=labels(svc, stack), annotations=source_notes(svc)
        ),
        "spec": {
            "backoffLimit": JOB_BACKOFF,
            "ttlSecondsAfterFinished": JOB_TTL_S,
            "template": template,
        },
    }


def service(svc: Service, stack: Stack) -> dict[str, Any] | None:
    ports = pods.container_ports(svc)
    if not ports and svc.role != "data":
        return None
    spec: dict[str, Any] = {"selector": pods.label(svc.name)}
    if svc.role == "gateway":
        spec["type"] = "LoadBalancer"
        # the client's own address reaches Traefik (IP allow-lists, per-client rate
        # limits, X-Forwarded-For), as with Compose's published ports
        spec["externalTrafficPolicy"] = "Local"
    elif svc.role == "data":
        spec["clusterIP"] = "None"  # headless: the StatefulSet's pods by name
    spec["ports"] = [
        {"name": f"tcp-{p}", "port": p, "targetPort": p, "protocol": "TCP"} for p in ports
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(svc.name, stack, labels=labels(svc, stack)),
        "spec": spec,
    }


def autoscaler(svc: Service, stack: Stack) -> dict[str, Any]:
    metric = {"type": "Utilization", "averageUtilization": CPU_TARGET}
    low, high = platform.replica_bounds(svc, stack, svc.replicas or 1, DEFAULT_MAX_REPLICAS)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(svc.name, stack, labels=labels(svc, stack)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc.name},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": metric}}],
        },
    }


def disruption_budget(svc: Service, stack: Stack) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(svc.name, stack, labels=labels(svc, stack)),
        "spec": {"maxUnavailable": 1, "selector": _selector(svc)},
    }


def objects_of(svc: Service, stack: Stack, options: Options, common: Files) -> list[dict[str, Any]]:
    """Every object one service becomes, in a stable order."""
    if svc.one_shot:
        return [job(svc, stack, options, common)]
    if svc.role == "data":
        out = [statefulset(svc, stack, options, common)]
    else:
        out = [*claims(svc, stack), deployment(svc, stack, options, common)]
    exposed = service(svc, stack)
    if exposed is not None:
        out.append(exposed)
    if svc.role == "function" and platform.reserved_ceiling(svc, stack) != 0:
        out += [autoscaler(svc, stack), disruption_budget(svc, stack)]
    elif (svc.replicas or 1) > 1:
        out.append(disruption_budget(svc, stack))
    return out
