"""`migrate-data --stack` against serverless-items' Kubernetes pods: the ScyllaDB and MinIO
StatefulSet templates started in the real engine as a kubelet would (tests/docker/
kubelet.py, each reachable by its Service's name), the AWS stand-in (moto's server) and the
copy run as containers on their network (tests/docker/hostpython.py), like the one-off
``cloudexit.io/migrate-data`` pod the stack's README describes. The data plan's targets
(``http://scylladb:8000``, ``http://minio:9000``) are used as generated, with no override;
the copy is verified in full and read back from the targets. Not exercised: Services'
virtual IPs and NetworkPolicies (tests/render/test_kubernetes_invariants.py checks that
the policies admit a pod labelled ``cloudexit.io/migrate-data`` to the data services)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker import images, kubelet, moved
from tests.render.kubernetes_helpers import render, write

pytestmark = pytest.mark.docker
PROJECT = "cxtest-k8s-data"
PODS = ("scylladb", "minio")
Started = tuple[str, str, Path, dict[str, str]]  # network, an image to run Python in, stack, .env


@pytest.fixture(scope="module")
def started(builder: images.Builder, workdir: Path) -> Iterator[Started]:
    rendered = render("serverless-items")
    given = kubelet.inputs(rendered, PODS)
    image = given.templates[0]["spec"]["containers"][0]["image"]
    builder.ensure(given.images)
    stack = workdir / PROJECT / "stack"
    write(rendered.files, stack)
    name = f"{PROJECT}-net"
    _clean(name)
    images.docker("network", "create", name)
    try:
        pods = [
            kubelet.run(t, given.maps, given.secrets, workdir / PROJECT, name, PROJECT)
            for t in given.templates
        ]
        for pod in pods:
            pod.wait_ready()
        yield name, image, stack, given.secrets
    finally:
        _clean(name)


def _clean(network: str) -> None:
    for name in (f"{PROJECT}-{p}" for p in PODS):
        images.docker("rm", "-f", "-v", name, check=False)
    images.docker("network", "rm", network, check=False)


def test_migrate_data_reaches_the_pods_by_their_service_names(
    started: Started,
) -> None:
    network, image, stack, values = started
    printed = moved.move(image, network, stack, values, PROJECT)
    assert "aws_dynamodb_table.items" in printed and "aws_s3_bucket.uploads" in printed
    assert moved.read_targets(image, network, values, PROJECT) == moved.EXPECTED
