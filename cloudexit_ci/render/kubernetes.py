"""The stack on Kubernetes (``--platform kubernetes``): a kustomize base and two overlays
under ``kubernetes/``, from the same IR as Compose (docs/PLATFORMS.md).

- ``kubernetes/base/``: ``namespace.yaml`` (the stack's name), one file per service
  (render/kubernetes_workloads.py: Deployment/StatefulSet/Job, Service, autoscaler,
  disruption budget, claims), ``configmaps.yaml`` (every file a Compose bind mount
  shows, embedded: kustomize refuses files outside its root), ``network-policies.yaml``
  (render/kubernetes_network.py) and ``kustomization.yaml``;
- ``kubernetes/overlays/{dev,prod}/``: render/kubernetes_overlays.py (the ``.env``
  Secret from ``secrets.env``, replicas, volume sizes, images);
- ``kubernetes/README.md``: how to deploy, what the cluster needs, and what a production
  ScyllaDB/MinIO/PostgreSQL needs.

The edge: Traefik runs the very static config and dynamic files Compose mounts
(render/traefik.py renders them once), from ConfigMaps through its file provider, behind
a Service of type LoadBalancer, so every router and middleware the end-to-end suite tested
is byte-identical; ``kubernetes/components/traefik-crd/`` (render/kubernetes_crd.py)
switches it to Traefik's CRD provider with the same routes as cluster objects. Backend URLs
(``http://estate-web:8000``) resolve because every Kubernetes Service keeps the Compose
service's name and port. ACME certificates live on a PersistentVolumeClaim.
"""

from __future__ import annotations

import base64
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.errors import UserError
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose, platform
from cloudexit_ci.render import kubernetes_crd as crd
from cloudexit_ci.render import kubernetes_network as network
from cloudexit_ci.render import kubernetes_overlays as overlays
from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render import kubernetes_workloads as work
from cloudexit_ci.stack import Stack
from cloudexit_ci.tree import Files

ROOT = "kubernetes"
CONFIG_MAP_LIMIT = 1_000_000  # the API server refuses an object over 1 MiB


def namespace(stack: Stack) -> dict[str, Any]:
    meta = {"name": stack.name, "labels": {"app.kubernetes.io/part-of": stack.name}}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def config_maps(stack: Stack, common: Files) -> list[dict[str, Any]]:
    """One ConfigMap per bind-mount source, holding every file it shows."""
    found: dict[str, dict[str, Any]] = {}
    shown: dict[str, str] = {}  # ConfigMap → the one source it holds
    for _, svc in sorted(stack.services.items()):
        for mount in platform.bind_mounts(svc, common):
            name = pods.config_map_name(mount.source)
            if name in found or not mount.files:
                assert shown.get(name, mount.source) == mount.source, (name, mount.source)
                continue
            shown[name] = mount.source
            data: dict[str, str] = {}
            binary: dict[str, str] = {}
            for _, path in mount.files:
                raw = common[path][0]
                try:
                    data[pods.config_key(path)] = raw.decode("utf-8")
                except UnicodeDecodeError:
                    binary[pods.config_key(path)] = base64.b64encode(raw).decode()
            doc: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": stack.name},
            }
            if data:
                doc["data"] = data
            if binary:
                doc["binaryData"] = binary
            found[name] = doc
            _fits(name, doc)
    return [found[n] for n in sorted(found)]


def _fits(name: str, doc: dict[str, Any]) -> None:
    size = sum(len(v) for key in ("data", "binaryData") for v in doc.get(key, {}).values())
    if size > CONFIG_MAP_LIMIT:
        raise UserError(
            f"--platform kubernetes: the files of ConfigMap {name} are {size} bytes, more "
            f"than the {CONFIG_MAP_LIMIT} a ConfigMap may hold",
            where=name,
            hint="--platform compose (bind mounts have no size limit)",
        )


def _sources(stack: Stack, names: list[str] | None = None) -> tuple[str, ...]:
    services = [s for n, s in stack.services.items() if names is None or n in names]
    return tuple(sorted({o.address for s in services for o in s.origins}))


def base_files(stack: Stack, options: Options, head: str, common: Files) -> Files:
    """``kubernetes/base/``: each file's objects, in the order the kustomization lists them."""
    documents: list[tuple[str, list[dict[str, Any]], tuple[str, ...]]]
    documents = [("namespace.yaml", [namespace(stack)], ())]
    for name, svc in sorted(stack.services.items(), key=compose.service_order):
        objects = work.objects_of(svc, stack, options, common)
        documents.append((f"{name}.yaml", objects, _sources(stack, [name])))
    maps = config_maps(stack, common)
    if maps:
        documents.append(("configmaps.yaml", maps, _sources(stack)))
    policies = network.network_policies(stack, common)
    documents.append(("network-policies.yaml", policies, _sources(stack)))
    files: Files = {
        f"{ROOT}/base/{path}": (yamlio.dump_all(objects, head).encode(), sources)
        for path, objects, sources in documents
    }
    resources = [path for path, _, _ in documents]
    kustomization = dict(overlays.KUSTOMIZE) | {"namespace": stack.name, "resources": resources}
    files[f"{ROOT}/base/kustomization.yaml"] = (
        yamlio.dump(kustomization, header=head).encode(),
        _sources(stack),
    )
    return files


def overlay_files(stack: Stack, options: Options, head: str) -> Files:
    files: Files = {}
    declared = tuple(sorted({v.origin.address for v in stack.env_vars.values() if v.origin}))
    for overlay in ("dev", "prod"):
        where = f"{ROOT}/overlays/{overlay}"
        doc = overlays.kustomization(stack, options, overlay)
        files[f"{where}/kustomization.yaml"] = (
            yamlio.dump(doc, header=head).encode(),
            _sources(stack),
        )
        for name, patch in overlays.patches(stack, overlay).items():
            files[f"{where}/patches/{name}"] = (yamlio.dump(patch, header=head).encode(), ())
        if stack.env_vars:
            text = overlays.secrets_example(stack, head)
            files[f"{where}/secrets.env.example"] = (text.encode(), declared)
            files[f"{where}/.gitignore"] = (b"# never commit the values\nsecrets.env\n", ())
    return files


def kubernetes_files(stack: Stack, options: Options, head: str, common: Files) -> Files:
    """Every file of ``kubernetes/`` (the base, the overlays, the README)."""
    files = base_files(stack, options, head, common)
    files.update(overlay_files(stack, options, head))
    files.update(crd.component_files(stack, options, head, common))
    files[f"{ROOT}/README.md"] = (overlays.production(head, options).encode(), ())
    return files
