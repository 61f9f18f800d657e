"""examples/serverless-items generated with `--platform swarm`, deployed on the suite's engine
as a one-node swarm with the stack's own scripts: requests through Traefik reach the
functions, a function scaled to 3 replicas spreads requests, a rolling update (changed env)
finishes with zero failed requests from a client looping through it, `migrate-data --stack`
fills the stack from an AWS stand-in through the data plan's service names, `docker stack
rm` leaves nothing but the named volumes (the data, kept as `docker compose down` keeps
it)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.docker import images, moved
from tests.docker.checks import smoke
from tests.docker.conftest import TIMINGS
from tests.docker.images import DOCKER, docker
from tests.docker.stack import REPO, env_values
from tests.docker.swarm import SwarmStack, deployed
from tests.docker.test_serverless_items import HOST, JSON, crud

pytestmark = pytest.mark.docker
EXAMPLE = "serverless-items"


@pytest.fixture(scope="module")
def swarm_stack(builder: images.Builder, workdir: Path) -> Iterator[SwarmStack]:
    with deployed(EXAMPLE, HOST, builder, workdir, ("GET", "/items")) as stack:
        yield stack


def _item(stack: SwarmStack) -> str:
    body = json.dumps({"name": "swarm", "userId": f"u-{uuid.uuid4().hex[:8]}"}).encode()
    created = stack.request("POST", "/items", HOST, body, JSON)
    assert created.status == 201, created.body
    return str(created.json()["id"])


def _served_by(stack: SwarmStack, service: str, marker: str) -> Counter[str]:
    """How many access-log lines naming ``marker`` each container of ``service`` wrote."""
    counts: Counter[str] = Counter()
    for container in stack.containers(service):
        logs = docker("logs", container).stdout + docker("logs", container).stderr
        counts[container] = logs.count(marker)
    return counts


def test_migrate_data_fills_the_stack_through_its_service_names(swarm_stack: SwarmStack) -> None:
    """`migrate-data --stack` as a one-off container on the stack's attachable backend
    overlay (the stack README's way) copies a table and a bucket from an AWS stand-in
    into the stack's ScyllaDB and MinIO, reached by the data plan's service names with no
    override; the functions then serve the copied items through Traefik. First in the
    module: it fills the stack on its first day, before other tests write to it (a full
    verification counts extra target items as a mismatch)."""
    network, image = f"{EXAMPLE}_backend", f"localhost:5000/{EXAMPLE}-lambda-invoke:v1"
    values = env_values(swarm_stack.dir / ".env.example")
    printed = moved.move(image, network, swarm_stack.dir, values, "cxtest-swarm")
    assert "aws_dynamodb_table.items" in printed and "aws_s3_bucket.uploads" in printed
    assert moved.read_targets(image, network, values, "cxtest-swarm") == moved.EXPECTED
    for i in (0, 17, moved.ITEMS - 1):
        reply = swarm_stack.request("GET", f"/items/moved-{i}", HOST)
        assert reply.status == 200 and reply.json()["name"] == f"from aws {i}", reply.body


def test_crud_through_traefik_on_swarm(swarm_stack: SwarmStack) -> None:
    crud(swarm_stack)


def test_smoke_passes_on_swarm(swarm_stack: SwarmStack) -> None:
    report = smoke(swarm_stack, "--allow-writes")
    assert report["routes"] and all(r["verdict"] == "pass" for r in report["routes"]), report
    assert report["health"]["checked"] is False and not report["health"]["services"]
    assert "a swarm stack" in report["health"]["detail"]


def test_scaled_function_spreads_requests(swarm_stack: SwarmStack) -> None:
    item = _item(swarm_stack)
    docker("service", "scale", "--detach=false", f"{EXAMPLE}_get-item=3")
    swarm_stack.wait_converged()
    for _ in range(60):
        assert swarm_stack.request("GET", f"/items/{item}", HOST).status == 200
    counts = _served_by(swarm_stack, "get-item", f"/items/{item}")
    TIMINGS["swarm"] = {"60 requests over 3 replicas": sorted(counts.values())}
    assert len(counts) == 3, counts
    assert all(n >= 5 for n in counts.values()), counts  # round robin: 20 each, roughly


def test_rolling_update_loses_no_request(swarm_stack: SwarmStack) -> None:
    item = _item(swarm_stack)
    failures: list[str] = []
    done = threading.Event()
    sent = 0

    def loop() -> None:
        nonlocal sent
        while not done.is_set():
            try:
                reply = swarm_stack.request("GET", f"/items/{item}", HOST)
                if reply.status != 200:
                    failures.append(f"{reply.status} {reply.body[:200]!r}")
            except OSError as exc:
                failures.append(repr(exc))
            sent += 1

    client = threading.Thread(target=loop)
    client.start()
    try:
        update = docker("service", "update", "--detach=false", "--env-add", "ROLLED=1",
                        f"{EXAMPLE}_get-item", check=False)  # fmt: skip
    finally:
        done.set()
        client.join()
    assert update.returncode == 0, update.stderr
    spec = json.loads(docker("service", "inspect", f"{EXAMPLE}_get-item").stdout)[0]
    assert spec["UpdateStatus"]["State"] == "completed"
    assert "ROLLED=1" in spec["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
    for container in swarm_stack.containers("get-item"):
        env = docker("inspect", "--format", "{{json .Config.Env}}", container).stdout
        assert "ROLLED=1" in env
    TIMINGS["swarm"]["rolling update: requests sent, failed"] = [sent, len(failures)]
    assert sent > 50, sent
    assert failures == [], f"{len(failures)} of {sent} requests failed: {failures[:5]}"


def test_stack_rm_leaves_nothing(swarm_stack: SwarmStack) -> None:
    left = swarm_stack.remove()
    assert {k: v for k, v in left.items() if k != "volumes"} == {
        "services": [],
        "containers": [],
        "networks": [],
        "configs": [],
        "secrets": [],
    }
    expected = {f"{EXAMPLE}_{v}" for v in ("lambda-invoke-data", "minio-data", "scylladb-data",
                                           "traefik-acme")}  # fmt: skip
    assert set(left["volumes"]) == expected  # the data, until removed on purpose
    docker("volume", "rm", *left["volumes"])
    assert swarm_stack.leftovers()["volumes"] == []


@pytest.mark.parametrize("example", ["serverless-items", "http-api-uploads", "full-estate"])
def test_docker_stack_config_accepts_every_example(example: str) -> None:
    """The CLI's own loader (`docker stack config`, the one `stack deploy` uses: strict
    schema, warns about keys Swarm ignores) takes the checked-in stack file as it is."""
    stack = REPO / "examples" / example / "swarm"
    env = os.environ | {name: "x" for name in env_values(stack / ".env.example")}
    done = subprocess.run([DOCKER, "stack", "config", "-c", "stack.yml"], cwd=stack,
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert yaml.safe_load(done.stdout)["services"]
