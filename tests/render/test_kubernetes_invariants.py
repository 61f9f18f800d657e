"""Invariants of the Kubernetes output, as Compose's: who reaches whom (computed from
the generated NetworkPolicies for every pod pair), no secret value in any manifest,
every image pinned, probes on every long-running container, non-root only where true,
and ``$`` escaping that survives Kubernetes' own ``$(VAR)`` expansion."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render.kubernetes_network import clients_of
from cloudexit_ci.stack import Stack
from cloudexit_ci.values import EnvRef, Template, parts_of
from tests.render.kubernetes_helpers import STACKS, allowed, expand, pod_specs, render


def _labels(objects: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {n: t["metadata"]["labels"] for n, (_, t) in pod_specs(objects).items()}


def _mentions(stack: Stack, files: dict[str, bytes], client: str, server: str) -> bool:
    """Independent of the renderer: does the client name the server at all (its
    environment, command, or a generated file it mounts)?"""
    svc = stack.services[client]
    texts = [p for _, v in svc.environment for p in parts_of(v) if isinstance(p, str)]
    texts += [*svc.command, *svc.entrypoint]
    for source, _ in svc.volumes:
        if source.startswith("./"):
            prefix = source[2:]
            texts += [
                d.decode("utf-8", "replace")
                for p, d in files.items()
                if p == prefix or p.startswith(prefix + "/")
            ]
    return any(server in t for t in texts)


@pytest.mark.parametrize("name", STACKS)
def test_reachability_is_exactly_the_clients_the_ir_names(name: str) -> None:
    rendered = render(name)
    stack = rendered.stack
    objects = rendered.objects()
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    labels = _labels(objects)
    clients = clients_of(stack, {p: (d, ()) for p, d in rendered.files.items()})
    for server, svc in stack.services.items():
        for port in pods.container_ports(svc):
            outside = allowed(policies, name, None, labels[server], port)
            assert outside == (svc.role == "gateway"), (server, port)
            for client in labels:
                reach = allowed(policies, name, labels[client], labels[server], port)
                wanted = client in clients[server] or svc.role == "gateway"
                assert reach == wanted, (client, server, port)
                if reach and svc.role != "gateway":
                    depends = any(d.service == server for d in stack.services[client].depends_on)
                    assert depends or _mentions(stack, rendered.files, client, server)
    migrate = {"cloudexit.io/migrate-data": "true"}  # a data copy run in the namespace
    stranger = {"app.kubernetes.io/name": "someone-else"}
    for server, svc in stack.services.items():
        for port in pods.container_ports(svc):
            assert allowed(policies, name, migrate, labels[server], port) == (
                svc.role in ("data", "gateway")
            ), server
            assert allowed(policies, name, stranger, labels[server], port) == (
                svc.role == "gateway"
            ), server
    for client, svc in stack.services.items():
        for dep in svc.depends_on:  # nothing Compose relied on is cut
            other = stack.services.get(dep.service)
            if other is not None and pods.container_ports(other):
                port = pods.container_ports(other)[0]
                assert allowed(policies, name, labels[client], labels[dep.service], port)
        internet = allowed(policies, name, labels[client], None, 443)
        assert internet == ("frontend" in svc.networks), client
    for backend in stack.backends.values():  # every edge backend answers the gateway
        if not backend.service:
            continue  # an HTTP proxy's upstream outside the stack
        port = int(backend.url.rsplit(":", 1)[-1].split("/")[0])
        assert allowed(policies, name, labels["traefik"], labels[backend.service], port)


def test_data_services_have_their_clients_only() -> None:
    rendered = render("full-estate")
    clients = clients_of(rendered.stack, {p: (d, ()) for p, d in rendered.files.items()})
    assert clients["estate-db"] == {"estate-web", "estate-worker"}
    assert clients["estate-cache"] == {"estate-worker"}
    assert clients["keycloak-db"] == {"keycloak"}
    assert clients["keycloak"] == {"traefik"}  # not keycloak-db (POSTGRES_DB: keycloak)
    assert clients["elasticmq"] == {"estate-nightly", "estate-worker", "poll-estate-worker", "sns"}
    assert clients["estate-worker"] == {"lambda-invoke", "poll-estate-worker"}
    items = render("serverless-items")
    found = clients_of(items.stack, {p: (d, ()) for p, d in items.files.items()})
    functions = {s for s, v in items.stack.services.items() if v.role == "function"}
    assert found["scylladb"] == functions | {"dynamodb-init"}
    assert found["create-item"] == {"traefik", "lambda-invoke"}


SECRETS = {
    "tfjson-plan": "pl4n-Secret-DoNotLeak-7731",
    "tfjson-state": "st4te-Secret-DoNotLeak-4417",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_secret_value_in_any_manifest(name: str) -> None:
    rendered = render(name)
    files = rendered.kubernetes()
    assert len(files) > 5
    for path, data in files.items():
        assert SECRETS[name].encode() not in data, path
    reads = set()
    for doc in rendered.objects():
        for entry in _env(doc):
            if "valueFrom" in entry:
                reads.add(entry["valueFrom"]["secretKeyRef"]["key"])
    assert "DB_PASSWORD" in reads and reads <= set(rendered.stack.env_vars)
    for overlay in ("dev", "prod"):
        example = files[f"kubernetes/overlays/{overlay}/secrets.env.example"].decode()
        names = {line[:-1] for line in example.splitlines() if not line.startswith("#")}
        assert names == set(rendered.stack.env_vars)  # names only: every line ends at `=`
        kustomization = yaml.safe_load(files[f"kubernetes/overlays/{overlay}/kustomization.yaml"])
        assert kustomization["secretGenerator"] == [{"name": "dotenv", "envs": ["secrets.env"]}]
    assert not any(o["kind"] == "Secret" for o in rendered.objects())


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["kind"] not in ("Deployment", "StatefulSet", "Job"):
        return []
    spec = doc["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _env(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for c in _containers(doc) for e in c.get("env", [])]


@pytest.mark.parametrize("name", STACKS)
def test_every_image_is_pinned(name: str) -> None:
    images = [c["image"] for o in render(name).objects() for c in _containers(o)]
    assert images
    for image in images:
        last = image.rsplit("/", 1)[-1]
        assert "@sha256:" in image or (":" in last and not last.endswith(":latest")), image


@pytest.mark.parametrize("name", STACKS)
def test_probes_on_every_long_running_container(name: str) -> None:
    rendered = render(name)
    unprobed = set()
    for workload, (kind, template) in pod_specs(rendered.objects()).items():
        container = template["spec"]["containers"][0]
        if kind == "Job":
            assert "livenessProbe" not in container
            continue
        if {"readinessProbe", "livenessProbe"} <= set(container):
            continue
        assert not ({"readinessProbe", "livenessProbe"} & set(container)), workload
        unprobed.add(workload)
    # only what has neither a healthcheck in the IR nor a port to knock on
    silent = {
        n
        for n, s in rendered.stack.services.items()
        if not s.one_shot and s.healthcheck is None and not pods.container_ports(s)
    }
    assert unprobed == silent
    if name == "full-estate":
        assert silent == {"scheduler", "poll-estate-worker"}


@pytest.mark.parametrize("name", STACKS)
def test_non_root_only_where_true(name: str) -> None:
    rendered = render(name)
    for workload, (_, template) in pod_specs(rendered.objects()).items():
        svc = rendered.stack.services[workload]
        spec = template["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for container in spec.get("initContainers", []):
            assert container["securityContext"]["runAsNonRoot"] is True
        security = spec["containers"][0]["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        if svc.role == "gateway":
            assert security["runAsUser"] == 65532
            assert {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"} in spec[
                "securityContext"
            ]["sysctls"]
        elif svc.user and re.fullmatch(r"[1-9]\d*(:\d+)?", svc.user):
            assert security["runAsNonRoot"] is True
            assert f"{security['runAsUser']}:{security['runAsGroup']}".startswith(
                svc.user.split(":")[0]
            )
            assert security["capabilities"] == {"drop": ["ALL"]}
        else:  # the image's own user: never claimed non-root
            assert "runAsNonRoot" not in security and "runAsUser" not in security, workload


@pytest.mark.parametrize(
    "text",
    ["plain", "$(date)", "$$(x)", "a$", "$HOME and ${VAR}", "$$", "cost: $5 $(", "${A:-$(b)}"],
)
def test_literal_text_survives_kubernetes_expansion(text: str) -> None:
    assert expand(pods.literal(text), {"date": "X", "x": "Y", "b": "Z"}) == text


def test_text_around_an_env_ref_uses_dependent_variables() -> None:
    value = Template(("postgres://app:", EnvRef("DB_PASSWORD", required=True), "@db:5432/$(x)"))
    entries = pods.env_entries((("DATABASE_URL", value), ("TOKEN", EnvRef("API_TOKEN"))))
    helper = pods.DOTENV_PREFIX + "DB_PASSWORD"
    assert entries[0] == {
        "name": helper,
        "valueFrom": {"secretKeyRef": {"name": "dotenv", "key": "DB_PASSWORD"}},
    }
    env = {helper: "s3cr3t"}
    assert expand(entries[1]["value"], env) == "postgres://app:s3cr3t@db:5432/$(x)"
    assert entries[2]["valueFrom"]["secretKeyRef"]["optional"] is True
