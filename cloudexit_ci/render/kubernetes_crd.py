"""``kubernetes/components/traefik-crd/``: a kustomize Component that moves the stack's
Traefik from its file provider to its Kubernetes CRD provider.

The base runs Traefik on the very dynamic files Compose mounts (tested end to end). A
cluster that manages routes as objects adds this component to an overlay
(``components: [../../components/traefik-crd]``); it then gets:

- ``routes.yaml``: the same routers and middlewares as ``Middleware`` and ``IngressRoute``
  objects (``traefik.crd_objects``: one IngressRoute per API, routes with the same match,
  priority and middleware chain, backends as the Services of the same name and port, an
  upstream outside the stack as an ExternalName Service);
- ``rbac.yaml``: a ServiceAccount for Traefik and the ClusterRole Traefik's CRD provider
  needs to read Services, EndpointSlices, Secrets and its own resources;
- patches: Traefik's static config with ``providers.kubernetesCRD`` (the namespace
  only), the Deployment running as that ServiceAccount, and the file provider's
  ConfigMap and mount removed, so that no route is served twice.

The cluster needs Traefik's CRD definitions installed (Traefik v3's Helm chart or its
``kubernetes-crd-definition-v1.yml``), as any IngressRoute does.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.options import Options
from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render import platform, traefik
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.tree import Files

WHERE = "kubernetes/components/traefik-crd"
STATIC, DYNAMIC = "traefik/traefik.yml", "traefik/dynamic"
ACCOUNT = "traefik"
COMPONENT = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
_READ = ["get", "list", "watch"]
_TRAEFIK_KINDS = [
    "ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps",
    "serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices",
]  # fmt: skip


def edge_service(stack: Stack, common: Files) -> Service | None:
    """The service that mounts Traefik's dynamic files (None: the stack has no edge)."""
    for _, svc in sorted(stack.services.items()):
        if any(m.source == DYNAMIC for m in platform.bind_mounts(svc, common)):
            return svc
    return None


def component_files(stack: Stack, options: Options, head: str, common: Files) -> Files:
    svc = edge_service(stack, common)
    if svc is None:
        return {}
    dynamic = traefik.dynamic_files(stack)
    sources = tuple(sorted({address for _, found in dynamic.values() for address in found}))
    routes = traefik.crd_objects(stack, dynamic)
    static = yamlio.dump(traefik.crd_static_config(options.acme_email, stack))
    patches = {
        "patches/traefik-static.yaml": _static_patch(stack, static),
        "patches/traefik-deployment.yaml": _deployment_patch(svc, stack, common, static),
        "patches/traefik-dynamic.yaml": _delete_dynamic(stack),
    }
    kustomization = COMPONENT | {
        "resources": ["rbac.yaml", "routes.yaml"],
        "patches": [{"path": path} for path in patches],
    }
    files: Files = {
        f"{WHERE}/kustomization.yaml": (yamlio.dump(kustomization, header=head).encode(), ()),
        f"{WHERE}/rbac.yaml": (yamlio.dump_all(rbac(stack), head).encode(), ()),
        f"{WHERE}/routes.yaml": (yamlio.dump_all(routes, head).encode(), sources),
    }
    for path, patch in patches.items():
        files[f"{WHERE}/{path}"] = (yamlio.dump(patch, header=head).encode(), ())
    return files


def rbac(stack: Stack) -> list[dict[str, Any]]:
    """Traefik's ServiceAccount and what its CRD provider reads (cluster-wide names carry
    the stack's, so that two stacks in one cluster do not share them)."""
    cluster_name = f"{stack.name}-traefik"
    rules = [
        {"apiGroups": [""], "resources": ["services", "secrets", "nodes"], "verbs": _READ},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": _READ},
        {"apiGroups": ["traefik.io"], "resources": _TRAEFIK_KINDS, "verbs": _READ},
    ]
    subject = {"kind": "ServiceAccount", "name": ACCOUNT, "namespace": stack.name}
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole"}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": ACCOUNT, "namespace": stack.name}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": cluster_name}, "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": cluster_name},
         "roleRef": role_ref | {"name": cluster_name}, "subjects": [subject]},
    ]  # fmt: skip


def _static_patch(stack: Stack, static: str) -> dict[str, Any]:
    meta = {"name": pods.config_map_name(STATIC), "namespace": stack.name}
    data = {pods.config_key(STATIC): static}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _delete_dynamic(stack: Stack) -> dict[str, Any]:
    meta = {"name": pods.config_map_name(DYNAMIC), "namespace": stack.name}
    return {"$patch": "delete", "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def _deployment_patch(svc: Service, stack: Stack, common: Files, static: str) -> dict[str, Any]:
    """Run as the ServiceAccount (with its token), without the dynamic files' mount."""
    mounts = platform.bind_mounts(svc, common)
    index = next(i for i, m in enumerate(mounts) if m.source == DYNAMIC)
    digest = hashlib.sha256(static.encode()).hexdigest()[:16]
    spec = {
        "serviceAccountName": ACCOUNT,
        "automountServiceAccountToken": True,
        "containers": [
            {
                "name": svc.name,
                "volumeMounts": [{"mountPath": mounts[index].target, "$patch": "delete"}],
            }
        ],
        "volumes": [{"name": pods.bind_volume_name(index), "$patch": "delete"}],
    }
    template = {"metadata": {"annotations": {"cloudexit.io/config": digest}}, "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": svc.name, "namespace": stack.name},
        "spec": {"template": template},
    }
