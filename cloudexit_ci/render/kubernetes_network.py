"""NetworkPolicies that mirror (and narrow) Compose's two networks.

Compose puts every service on ``backend`` (internal: no way out) and the ones that talk
to the outside also on ``frontend``. Here:

- ``default-deny``: no pod of the namespace receives or sends anything unless allowed;
- ``allow-dns``: every pod may ask the cluster DNS (kube-system's kube-dns, port 53);
- ``allow-namespace-egress``: every pod may open connections to the namespace's pods
  (what each pod accepts is decided by its ingress policy below);
- ``allow-internet-egress``: the pods Compose put on ``frontend`` (label
  ``cloudexit.io/egress: internet``) may reach anything, like Compose's non-internal
  network;
- ``ingress-<service>``: the gateway accepts 80/443 from anywhere; every other service
  that listens accepts its ports only from its clients (:func:`clients_of`), nothing else;
  a data service also from pods labelled ``cloudexit.io/migrate-data: "true"`` (the data
  plan's copy, run as a pod of the namespace).
"""

from __future__ import annotations

import re
from typing import Any

from cloudexit_ci.render import kubernetes_pods as pods
from cloudexit_ci.render import platform
from cloudexit_ci.stack import Service, Stack
from cloudexit_ci.tree import Files
from cloudexit_ci.values import parts_of

MIGRATE_DATA = {"cloudexit.io/migrate-data": "true"}  # a pod that copies the data in
_HOST_KEYS = re.compile(r"HOST|ADDR|SERVER|ENDPOINT|URL|URI", re.IGNORECASE)


def _texts(svc: Service) -> list[tuple[str, bool]]:
    """(literal text, may it be a bare host name) of the service's environment values
    (a bare name only under a variable named like a host: ``DB_HOST``, ``*_URL``…),
    command and entrypoint."""
    out = [
        (p, _HOST_KEYS.search(key) is not None)
        for key, value in svc.environment
        for p in parts_of(value)
        if isinstance(p, str)
    ]
    return out + [(a, False) for a in (*svc.command, *svc.entrypoint)]


def _names_host(text: str, host: str, *, bare: bool) -> bool:
    """Does ``text`` name ``host`` as a host: ``//host`` or ``@host`` (then ``:``,
    ``/``, a quote, a space or the end), ``host:port``, or with ``bare`` the text
    itself."""
    if bare and text == host:
        return True
    name = re.escape(host)
    after = r"""(?=$|[:/"'\s])"""
    return re.search(rf"(?://|@){name}{after}|(?<![\w.-]){name}:\d", text) is not None


def clients_of(stack: Stack, common: Files) -> dict[str, set[str]]:
    """server → the services that call it: those that depend on it, read its host
    name in their environment or command, or in a file they mount (the scheduler's
    targets, the fan-out's subscribers…), and the gateway for every edge backend."""
    listening = {n for n, s in stack.services.items() if pods.container_ports(s)}
    out: dict[str, set[str]] = {n: set() for n in sorted(listening)}
    for name, svc in sorted(stack.services.items()):
        for dep in svc.depends_on:
            if dep.service in listening and dep.service != name:
                out[dep.service].add(name)
        texts = _texts(svc)
        mounted = [
            common[path][0].decode("utf-8", "replace")
            for mount in platform.bind_mounts(svc, common)
            for _, path in mount.files
        ]
        for host in listening - {name}:
            if any(_names_host(t, host, bare=bare) for t, bare in texts) or any(
                _names_host(t, host, bare=False) for t in mounted
            ):
                out[host].add(name)
    gateways = {n for n, s in stack.services.items() if s.role == "gateway"}
    for backend in stack.backends.values():  # the edge's routes and forward-auth targets
        if backend.service in out:
            out[backend.service] |= gateways - {backend.service}
    return out


def _policy(name: str, stack: Stack, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": stack.name},
        "spec": spec,
    }


def _ports(svc: Service) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in pods.container_ports(svc)]


def _common_policies(stack: Stack) -> list[dict[str, Any]]:
    dns = {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    internet = {"matchLabels": {"cloudexit.io/egress": "internet"}}
    return [
        _policy("default-deny", stack, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(
            "allow-dns", stack, {"podSelector": {}, "policyTypes": ["Egress"], "egress": [dns]}
        ),
        _policy(
            "allow-namespace-egress",
            stack,
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"podSelector": {}}]}],
            },
        ),
        _policy(
            "allow-internet-egress",
            stack,
            {"podSelector": internet, "policyTypes": ["Egress"], "egress": [{}]},
        ),
    ]


def network_policies(stack: Stack, common: Files) -> list[dict[str, Any]]:
    policies = _common_policies(stack)
    clients = clients_of(stack, common)
    for name, svc in sorted(stack.services.items()):
        if name not in clients:
            continue
        rule: dict[str, Any] = {"ports": _ports(svc)}
        if svc.role != "gateway":
            peers = [{"podSelector": {"matchLabels": pods.label(c)}} for c in sorted(clients[name])]
            if svc.role == "data":
                peers.append({"podSelector": {"matchLabels": MIGRATE_DATA}})
            if not peers:
                continue  # nobody calls it: default-deny keeps it closed
            rule = {"from": peers} | rule
        spec = {
            "podSelector": {"matchLabels": pods.label(name)},
            "policyTypes": ["Ingress"],
            "ingress": [rule],
        }
        policies.append(_policy(f"ingress-{name}", stack, spec))
    return policies
