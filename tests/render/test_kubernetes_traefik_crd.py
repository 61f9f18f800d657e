"""The ``traefik-crd`` component: Traefik's Kubernetes CRD provider in place of its file
provider. Every overlay builds with it (the real kustomize), the Kubernetes objects
validate strictly (``kubernetes-validate``), the Traefik objects validate against Traefik
v3's CRD schemas (npm ``@kubernetes-models/traefik``: types, enums, required fields) and
strictly (TypeScript's excess-property check against the same package's types: an
unknown field fails), and the IngressRoutes route exactly what the file provider routes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from cloudexit_ci.render import traefik
from cloudexit_ci.render.kubernetes_crd import WHERE
from tests.render.kubernetes_helpers import STACKS, kustomize, render, validate, write
from tests.servers import NODE_DIR

TRAEFIK_API = "traefik.io/v1alpha1"
MODELS = "@kubernetes-models/traefik/traefik.io/v1alpha1"
EDGED = tuple(s for s in STACKS if not s.startswith("tfjson-"))  # those two have no API


def _build(name: str, tmp_path: Path, overlay: str = "prod") -> list[dict[str, Any]]:
    files = render(name).kubernetes()
    write(files, tmp_path)
    (tmp_path / f"kubernetes/overlays/{overlay}/secrets.env").write_text("")
    with_crd = tmp_path / "kubernetes" / "overlays" / "with-crd"
    with_crd.mkdir()
    (with_crd / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [f"../{overlay}"],
                "components": ["../../components/traefik-crd"],
            }
        )
    )
    return kustomize(with_crd)


def schema_errors(objects: list[dict[str, Any]], tmp_path: Path) -> str:
    """The Traefik objects' schema errors ('' when valid)."""
    data = tmp_path / "traefik-objects.json"
    data.write_text(json.dumps(objects))
    done = subprocess.run(
        ["node", str(NODE_DIR / "validate-traefik.mjs"), str(data)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr if done.returncode else ""


def unknown_fields(objects: list[dict[str, Any]], tmp_path: Path) -> str:
    """TypeScript's excess-property errors of the objects typed as the package's
    interfaces ('' when every field is known)."""
    where = tmp_path / "typed"
    where.mkdir(exist_ok=True)
    (where / "node_modules").symlink_to(NODE_DIR / "node_modules")
    kinds = sorted({o["kind"] for o in objects})
    lines = [f'import type {{ I{k} }} from "{MODELS}/{k}";' for k in kinds]
    lines += [f"export const o{i}: I{o['kind']} = {json.dumps(o)};" for i, o in enumerate(objects)]
    (where / "objects.ts").write_text("\n".join(lines) + "\n")
    tsc = NODE_DIR / "node_modules" / ".bin" / "tsc"
    args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext"]
    done = subprocess.run(
        [str(tsc), *args, "--skipLibCheck", "objects.ts"],
        cwd=where, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return done.stdout + done.stderr if done.returncode else ""


@pytest.mark.parametrize("name", STACKS)
def test_the_component_builds_and_every_object_validates(name: str, tmp_path: Path) -> None:
    if not render(name).stack.http_routes:  # no edge: no component
        assert not any(p.startswith(WHERE) for p in render(name).files)
        return
    objects = _build(name, tmp_path)
    ours = [o for o in objects if o["apiVersion"] == TRAEFIK_API]
    for obj in objects:
        if obj["apiVersion"] != TRAEFIK_API:
            validate(obj)
    assert ours and schema_errors(ours, tmp_path) == ""
    assert unknown_fields(ours, tmp_path) == ""


def test_an_invalid_or_unknown_field_fails(tmp_path: Path) -> None:
    """The two checks themselves: a route of an unknown kind fails the schema, a
    misspelt field fails the excess-property check."""
    (route,) = [o for o in _build("serverless-items", tmp_path) if o["kind"] == "IngressRoute"]
    wrong_kind = json.loads(json.dumps(route))
    wrong_kind["spec"]["routes"][0]["kind"] = "Regex"
    assert "must be equal to one of the allowed values" in schema_errors([wrong_kind], tmp_path)
    misspelt = json.loads(json.dumps(route))
    misspelt["spec"]["routes"][0]["services"][0]["passHostHeaders"] = True
    assert "passHostHeaders" in unknown_fields([misspelt], tmp_path)
    assert schema_errors([misspelt], tmp_path) == ""  # the schema alone lets it through


def test_the_gateway_reads_crds_only(tmp_path: Path) -> None:
    """Traefik runs as its ServiceAccount with the CRD provider of its namespace; the file
    provider, its ConfigMap and its mount are gone (no route served twice)."""
    objects = {(o["kind"], o["metadata"]["name"]): o for o in _build("full-estate", tmp_path)}
    pod = objects[("Deployment", "traefik")]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "traefik" and pod["automountServiceAccountToken"]
    mounts = [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]]
    assert "/etc/traefik/dynamic" not in mounts and "/etc/traefik/traefik.yml" in mounts
    assert ("ConfigMap", "files-traefik-dynamic") not in objects
    static = yaml.safe_load(
        objects[("ConfigMap", "files-traefik-traefik-yml")]["data"]["traefik__traefik.yml"]
    )
    crd = {"namespaces": ["full-estate"], "allowEmptyServices": True}
    assert static["providers"] == {"kubernetesCRD": crd}
    binding = objects[("ClusterRoleBinding", "full-estate-traefik")]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "traefik", "namespace": "full-estate"}
    ]


def _file_routes(files: dict[str, bytes]) -> tuple[set[Any], dict[str, Any]]:
    """(routes, middlewares) of the file provider's dynamic files, in comparable form."""
    routers: dict[str, Any] = {}
    services: dict[str, Any] = {}
    middlewares: dict[str, Any] = {}
    for path, data in files.items():
        if path.startswith("traefik/dynamic/"):
            http = yaml.safe_load(data)["http"]
            routers |= http.get("routers", {})
            services |= http.get("services", {})
            middlewares |= http.get("middlewares", {})
    routes = set()
    for router in routers.values():
        service = router["service"]
        if service != traefik.NOWHERE:
            balancer = services[service]["loadBalancer"]
            service = (_origin(balancer["servers"][0]["url"]), balancer.get("passHostHeader"))
        chain = tuple(router.get("middlewares", ()))
        routes.add((router["rule"], router.get("priority"), chain, service))
    return routes, middlewares


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname or "", parts.port or default


def _crd_routes(files: dict[str, bytes]) -> tuple[set[Any], dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(files[f"{WHERE}/routes.yaml"]) if d]
    external = {
        d["metadata"]["name"]: d["spec"]["externalName"]
        for d in docs
        if d["kind"] == "Service" and d["spec"]["type"] == "ExternalName"
    }
    routes = set()
    for doc in (d for d in docs if d["kind"] == "IngressRoute"):
        assert doc["spec"]["entryPoints"] == ["websecure"]
        assert doc["spec"]["tls"] == {"certResolver": "letsencrypt"}
        for route in doc["spec"]["routes"]:
            (target,) = route["services"]
            if target.get("kind") == "TraefikService":
                service: Any = target["name"]
            else:
                host = external.get(target["name"], target["name"])
                scheme = target.get("scheme", "http")
                service = ((scheme, host, target["port"]), target.get("passHostHeader"))
            chain = tuple(m["name"] for m in route.get("middlewares", ()))
            routes.add((route["match"], route.get("priority"), chain, service))
    middlewares = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "Middleware"}
    return routes, middlewares


@pytest.mark.parametrize("name", EDGED)
def test_the_crds_route_what_the_file_provider_routes(name: str) -> None:
    files = render(name).files
    file_routes, file_middlewares = _file_routes(files)
    crd_routes, crd_middlewares = _crd_routes(files)
    assert crd_routes == file_routes and file_routes
    assert crd_middlewares == file_middlewares


def test_names_that_are_not_object_names_are_made_so() -> None:
    assert traefik.object_name("items-api-ratelimit") == "items-api-ratelimit"
    one, two = traefik.object_name("Items_API"), traefik.object_name("items.api")
    assert one != two and one.startswith("items-api-") and two.startswith("items-api-")
    assert len(traefik.object_name("x" * 300)) <= 63
