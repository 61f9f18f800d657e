"""The ``traefik-crd`` component's static configuration on the real Traefik 3.3.6 (the
image the stacks pin): Traefik accepts it (a misspelt key is refused, so acceptance is
checked), starts its Kubernetes CRD provider, and answers its ping. No API server runs
here, so reading IngressRoutes from a cluster is not exercised (docs/PLATFORMS.md)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from cloudexit_ci.images import TRAEFIK
from cloudexit_ci.render.kubernetes_crd import WHERE
from tests.docker import images
from tests.render.kubernetes_helpers import render

pytestmark = pytest.mark.docker
NAME = "cxtest-traefik-crd"
STARTED = "Starting provider *crd.Provider"


def _static(name: str = "full-estate") -> str:
    patch = yaml.safe_load(render(name).files[f"{WHERE}/patches/traefik-static.yaml"])
    (text,) = patch["data"].values()
    assert isinstance(text, str)
    return text


def _run(config: Path, *, detach: bool) -> str:
    images.docker("rm", "-f", NAME, check=False)
    args = ["run", "--name", NAME, "-v", f"{config}:/etc/traefik/traefik.yml:ro"]
    args += ["-e", "KUBERNETES_SERVICE_HOST=127.0.0.1", "-e", "KUBERNETES_SERVICE_PORT=6443"]
    done = images.docker(*args, *(["-d"] if detach else []), TRAEFIK, check=False, timeout=60)
    return done.stdout + done.stderr


def _logs() -> str:
    done = images.docker("logs", NAME, check=False)
    return done.stdout + done.stderr


@pytest.mark.parametrize("name", ["full-estate", "authz"])  # authz: an ExternalName upstream
def test_traefik_starts_its_crd_provider(name: str, builder: images.Builder, workdir: Path) -> None:
    builder.ensure({TRAEFIK})
    config = workdir / f"traefik-crd-{name}.yml"
    static = _static(name)
    assert ("allowExternalNameServices" in static) == (name == "authz")
    config.write_text(static)
    try:
        _run(config, detach=True)
        deadline = time.monotonic() + 30
        while STARTED not in _logs() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert STARTED in _logs(), _logs()
        assert "kubernetescrd" in _logs() and "Command error" not in _logs()
        ping = images.docker("exec", NAME, "traefik", "healthcheck", "--ping", check=False)
        assert ping.returncode == 0, ping.stdout + ping.stderr + _logs()
    finally:
        images.docker("rm", "-f", NAME, check=False)


def test_a_misspelt_key_is_refused(builder: images.Builder, workdir: Path) -> None:
    builder.ensure({TRAEFIK})
    config = workdir / "traefik-crd-misspelt.yml"
    config.write_text(_static().replace("allowEmptyServices", "allowEmptyService"))
    try:
        output = _run(config, detach=False)
        assert "field not found, node: allowEmptyService" in output
    finally:
        images.docker("rm", "-f", NAME, check=False)
