"""The kustomize overlays (``kubernetes/overlays/dev`` and ``prod``) over the base.

Each overlay makes the ``dotenv`` Secret with kustomize's ``secretGenerator`` from
``secrets.env``, a file the operator writes beside the overlay's kustomization.yaml
(``secrets.env.example`` lists the names, never a value; kustomize renames the Secret
with a hash of its content and rewrites every reference, so a changed value rolls the
pods). ``images:`` names every image the stack builds (change ``newTag`` to deploy
another build) and every image that is a ``.env`` variable in Compose (Kubernetes reads
no variable in ``image``: set ``newName``/``newTag``).

dev keeps one pod per function (each autoscaler's ceiling is 1); prod starts two and
scales to :data:`PROD_MAX_REPLICAS`, and claims :data:`PROD_DATA_SIZE` per data volume.
"""

from __future__ import annotations

from typing import Any

from cloudexit_ci.options import Options
from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render import kubernetes_workloads as work
from cloudexit_ci.render import platform
from cloudexit_ci.render.platform import built_image, named_volumes
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.values import EnvRef

PROD_MIN_REPLICAS = 2
PROD_MAX_REPLICAS = 20
PROD_DATA_SIZE = "100Gi"
KUSTOMIZE = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}


def _patch(kind: str, api: str, name: str, stack: Stack, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": {"name": name, "namespace": stack.name},
        "spec": spec,
    }


def _replicas(svc: Service, stack: Stack, overlay: str) -> dict[str, Any]:
    low = svc.replicas or 1
    if overlay == "prod":
        low, high = max(low, PROD_MIN_REPLICAS), PROD_MAX_REPLICAS
    else:
        high = low
    low, high = platform.replica_bounds(svc, stack, low, high, warm=overlay == "prod")
    return {"minReplicas": low, "maxReplicas": high}


def patches(stack: Stack, overlay: str) -> dict[str, dict[str, Any]]:
    """file name → one strategic-merge patch of the overlay."""
    out: dict[str, dict[str, Any]] = {}
    for name, svc in sorted(stack.services.items()):
        scaled = platform.reserved_ceiling(svc, stack) != 0
        if svc.role == "function" and not svc.one_shot and scaled:
            spec = _replicas(svc, stack, overlay)
            kind, api = "HorizontalPodAutoscaler", "autoscaling/v2"
            out[f"hpa-{name}.yaml"] = _patch(kind, api, name, stack, spec)
        if svc.role == "data" and overlay == "prod" and named_volumes(svc):
            templates = work.volume_claim_templates(svc, PROD_DATA_SIZE)
            patch = _patch(
                "StatefulSet", "apps/v1", name, stack, {"volumeClaimTemplates": templates}
            )
            out[f"statefulset-{name}.yaml"] = patch
    return out


def images(stack: Stack, options: Options) -> list[dict[str, str]]:
    out = []
    for name, svc in sorted(stack.services.items()):
        if svc.build is not None:
            image = built_image(options, stack, name)
            repository = image.rsplit(":", 1)[0]
            out.append({"name": repository, "newTag": options.image_tag})
        elif isinstance(svc.image, EnvRef):
            placeholder = pods.placeholder_image(svc.image.name)
            out.append(
                {"name": placeholder.rsplit(":", 1)[0], "newName": "set-me", "newTag": "set-me"}
            )
    return out


def kustomization(stack: Stack, options: Options, overlay: str) -> dict[str, Any]:
    doc: dict[str, Any] = dict(KUSTOMIZE)
    doc["namespace"] = stack.name
    doc["resources"] = ["../../base"]
    doc["labels"] = [{"pairs": {"cloudexit.io/overlay": overlay}}]
    if stack.env_vars:
        doc["secretGenerator"] = [{"name": pods.SECRET, "envs": ["secrets.env"]}]
    found = patches(stack, overlay)
    if found:
        doc["patches"] = [{"path": f"patches/{name}"} for name in sorted(found)]
    listed = images(stack, options)
    if listed:
        doc["images"] = listed
    return doc


def secrets_example(stack: Stack, head: str) -> str:
    lines = [f"# {head}", "# Copy to secrets.env beside kustomization.yaml and set each value."]
    for name, var in sorted(stack.env_vars.items()):
        lines.append(f"# {var.description}")
        lines.append(f"{name}=")
    return "\n".join(lines) + "\n"


PRODUCTION = """\
# The stack on Kubernetes

{head}

## Deploy

1. `scripts/build-images.sh` builds the stack's own images and pushes them to
   {registry} (each overlay's `images:` may retag them).
2. Copy `overlays/<dev|prod>/secrets.env.example` to `secrets.env` beside it and set
   every value (kustomize makes the `dotenv` Secret from it; never commit it).
3. `kubectl apply -k kubernetes/overlays/dev` (or `prod`); `kubectl kustomize` shows
   what would be applied.

Routes as cluster objects: Traefik reads the routes from ConfigMaps (its file provider)
unless an overlay adds the component `components/traefik-crd` (`components:
[../../components/traefik-crd]` in its kustomization.yaml). Traefik then reads
IngressRoute and Middleware objects of the namespace (its Kubernetes CRD provider, as
its own ServiceAccount); they route exactly what the files route. The cluster needs
Traefik v3's CRD definitions installed first (Traefik's Helm chart installs them, or
apply its `kubernetes-crd-definition-v1.yml`) and lets the component create a
ClusterRole and ClusterRoleBinding.

The cluster needs: a default StorageClass (data volumes, ACME storage; a volume several
services share asks for ReadWriteMany), a LoadBalancer implementation for the Traefik
Service (a cloud's, or MetalLB), a CNI that enforces NetworkPolicies (Calico, Cilium),
metrics-server for the functions' autoscalers (CPU, {cpu_target}% of the request; at most
{max_replicas} pods each in the base, fewer where Lambda reserved less concurrency; in
the base and prod at least as many as Lambda kept environments warm by provisioned
concurrency, one pod per environment, which is generous since a pod serves requests
concurrently (dev keeps one pod each); a reservation of 0 is a Deployment of 0 pods, as
Lambda throttles every call),
and Kubernetes 1.23 or later (the generated manifests are validated against 1.31).
Init Jobs wait for their dependencies in an initContainer; each is named by a digest of
its content, so changed tables or buckets make a new Job, and a finished one is removed
after an hour: the next apply runs it again (it creates only what is missing).

## Production profile

The base runs one pod per data service, as Compose does. For production:

- **ScyllaDB** (DynamoDB, Alternator): three nodes, replication factor 3. Run the
  ScyllaDB Operator (a `ScyllaCluster` of three members across three zones) or scale
  the StatefulSet to 3 with `--seeds` naming the first pod
  (`scylladb-0.scylladb.<namespace>.svc`), drop `--developer-mode 1` and
  `--overprovisioned 1`, give each node dedicated CPUs (a Guaranteed QoS pod: requests
  equal to limits) and local NVMe storage (an XFS-formatted volume). Alternator
  creates each table's keyspace with replication factor 3 only when the cluster
  already has three nodes (1 below that): let all three join before the
  `dynamodb-init` Job runs; writes then need a quorum (2 of 3) up.
- **MinIO** (S3): distributed mode, at least 4 drives over 4 pods (erasure coding
  EC:2: reads survive two lost drives, writes one): a StatefulSet of 4 with
  `server http://minio-{{0...3}}.minio.<namespace>.svc/data`, one claim each, the same
  root credentials on every pod, a PodDisruptionBudget of maxUnavailable 1 and
  anti-affinity across nodes. SeaweedFS: separate master (3, Raft), volume and filer
  servers, replication `010` or better.
- **PostgreSQL** (RDS): an operator (CloudNativePG) with one primary and one standby
  and continuous WAL archiving; the single StatefulSet pod has no failover.
- **Valkey** (ElastiCache): a primary with replicas under Sentinel, or accept the
  cache as disposable.
- Every data volume: a StorageClass with snapshots and `reclaimPolicy: Retain`; the
  prod overlay claims {size} each.
"""


def production(head: str, options: Options) -> str:
    return PRODUCTION.format(
        head=head,
        size=PROD_DATA_SIZE,
        registry=options.registry,
        cpu_target=work.CPU_TARGET,
        max_replicas=work.DEFAULT_MAX_REPLICAS,
    )
