"""The full-estate example's Kubernetes pod templates (``--platform kubernetes``) started
in the real Docker Engine as a kubelet would start them (tests/docker/kubelet.py): the
gateway as uid 65532 with every capability dropped binds :80/:443 thanks to the pod's
sysctl and runs Compose's static and dynamic Traefik files from the ConfigMap layout;
postgres and valkey start under ``no-new-privileges`` with their ``.env`` values from the
Secret; the SNS fan-out runs as uid 10001 from its ConfigMap directory; every readiness
probe passes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docker import images, kubelet
from tests.render.kubernetes_helpers import render, write
from tests.servers import REPO

pytestmark = pytest.mark.docker
PROJECT = "cxtest-k8s-pods"
PODS = (
    "traefik", "estate-web", "estate-db", "estate-cache", "elasticmq", "sns", "estate-worker",
    "lambda-invoke",
)  # fmt: skip


@pytest.fixture(scope="module")
def pods(builder: images.Builder, workdir: Path) -> Iterator[dict[str, kubelet.Pod]]:
    rendered = render("full-estate")
    given = kubelet.inputs(rendered, PODS)
    builder.ensure({i for i in given.images if not i.startswith("localhost:5000/")})
    _build(rendered.files, workdir / PROJECT / "build")
    network = f"{PROJECT}-net"
    _clean(network)
    images.docker("network", "create", network)
    started: dict[str, kubelet.Pod] = {}
    try:
        for template in given.templates:
            pod = kubelet.run(
                template, given.maps, given.secrets, workdir / PROJECT, network, PROJECT
            )
            started[pod.name] = pod
        for pod in started.values():
            pod.wait_ready()
        yield started
    finally:
        _clean(network)


def _build(files: dict[str, bytes], root: Path) -> None:
    """The stack's own images, built by the generated scripts/build-images.sh."""
    write(files, root / "stack")
    shutil.copytree(REPO / "examples" / "full-estate" / "terraform", root / "terraform")
    env = {**os.environ, "PATH": f"{Path(images.DOCKER).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", str(root / "stack" / "scripts" / "build-images.sh"), "--no-push"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _clean(network: str) -> None:
    for name in PODS:
        images.docker("rm", "-f", "-v", f"{PROJECT}-{name}", check=False)
    images.docker("network", "rm", network, check=False)


def _ask(client: kubelet.Pod, script: str, timeout: float = 30) -> str:
    """Run a Python client in ``client``'s container until it succeeds (a Service sends
    traffic once its endpoints are Ready; the edge loads its file provider a moment after
    its ping answers)."""
    deadline = time.monotonic() + timeout
    while True:
        done = images.docker("exec", client.container, "python", "-c", script, check=False)
        if done.returncode == 0 or time.monotonic() > deadline:
            edge = images.docker("logs", "--tail", "30", f"{PROJECT}-traefik", check=False)
            assert done.returncode == 0, f"{done.stderr}\nTraefik:\n{edge.stdout}{edge.stderr}"
            return done.stdout
        time.sleep(1)


def _uid(pod: kubelet.Pod) -> tuple[str, str]:
    status = pod.exec("cat", "/proc/1/status")
    uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
    caps = next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff:"))
    return uid, caps


def test_every_pod_is_ready_and_stays_live(pods: dict[str, kubelet.Pod]) -> None:
    assert sorted(pods) == sorted(PODS)
    for pod in pods.values():
        assert pod.probe("livenessProbe"), pod.name


def test_the_gateway_binds_80_and_443_as_non_root_without_capabilities(
    pods: dict[str, kubelet.Pod],
) -> None:
    uid, caps = _uid(pods["traefik"])
    assert (uid, int(caps, 16)) == ("65532", 0)
    answer = _ask(
        pods["sns"],
        "import http.client as h; c = h.HTTPConnection('traefik', 80, timeout=5); "
        "c.request('GET', '/', headers={'Host': 'app.example.com'}); r = c.getresponse(); "
        "print(r.status, r.getheader('Location'))",
    )
    assert answer.split() == ["301", "https://app.example.com/"]  # the static config's redirect


ASK = """
import json, ssl, http.client as h
c = h.HTTPSConnection("traefik", 443, timeout=10, context=ssl._create_unverified_context())
c.request("GET", "/api/orders", headers={"Host": "app.example.com"})
r = c.getresponse()
print(json.dumps({"status": r.status, "body": r.read().decode()}))
"""


def test_the_edge_routes_to_the_ecs_service_by_its_service_name(
    pods: dict[str, kubelet.Pod],
) -> None:
    reply = json.loads(_ask(pods["sns"], ASK).strip().splitlines()[-1])
    assert reply["status"] == 200, reply
    seen = json.loads(reply["body"])
    assert seen["path"] == "/api/orders" and seen["host"] == "app.example.com"
    # the Secret volume shows the same files under /run/secrets as Compose's secrets
    assert seen["secret_files"] == ["secret_estate_stripe_key", "ssm_estate_signing_key"]
    assert seen["env_set"] == ["DB_HOST", "SIGNING_KEY", "STRIPE_KEY"]


def test_generated_services_run_as_uid_10001_without_capabilities(
    pods: dict[str, kubelet.Pod],
) -> None:
    for name in ("sns", "estate-worker", "lambda-invoke"):
        uid, caps = _uid(pods[name])
        assert (uid, int(caps, 16)) == ("10001", 0), name
    assert pods["estate-worker"].probe("startupProbe")


def test_a_claim_is_writable_by_the_pod_group(pods: dict[str, kubelet.Pod]) -> None:
    journal = pods["lambda-invoke"].exec("ls", "-ln", "/var/lib/lambda-invoke")
    assert "journal.sqlite3" in journal or journal.startswith("total 0"), journal
    pods["lambda-invoke"].exec("touch", "/var/lib/lambda-invoke/written-by-10001")


def test_env_values_come_from_the_secret(pods: dict[str, kubelet.Pod]) -> None:
    cache = pods["estate-cache"]
    password = cache.exec("printenv", "VALKEY_PASSWORD").strip()
    assert password.startswith("v") and len(password) == 17
    refused = images.docker(
        "exec", cache.container, "valkey-cli", "-a", "wrong", "ping", check=False
    )
    assert "PONG" not in refused.stdout
    db: dict[str, Any] = pods["estate-db"].spec["containers"][0]
    assert any(e["name"] == "POSTGRES_PASSWORD" and "valueFrom" in e for e in db["env"])
    assert pods["estate-db"].probe()
