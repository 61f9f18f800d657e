"""The Swarm renderer (`--platform swarm`) on the three examples, without an engine: what
`docker stack deploy` would refuse or silently ignore, and what Swarm needs that Compose
did not (tests/docker/test_swarm.py deploys one for real)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.render import platform
from cloudexit_ci.tree import Files, Tree
from tests.servers import REPO

EXAMPLES = sorted(p / "terraform" for p in (REPO / "examples").iterdir() if p.is_dir())
IDS = [p.parent.name for p in EXAMPLES]
COMPOSE_ONLY = {"build", "restart", "depends_on", "expose", "container_name"}


def _trees(example: Path, tmp_path: Path, **changes: Any) -> tuple[Tree, Tree]:
    options = Options(output_dir=str(tmp_path / "out"), stack_name="demo", **changes)
    swarm = generate(Source(example), replace(options, platform="swarm")).tree
    return swarm, generate(Source(example), options).tree


def _yaml(tree: Tree, path: str) -> Any:
    return yaml.safe_load(tree[PurePosixPath(path)])


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_stack_file_has_only_swarm_keys(example: Path, tmp_path: Path) -> None:
    swarm, compose = _trees(example, tmp_path)
    assert PurePosixPath("docker-compose.yml") not in swarm
    document = _yaml(swarm, "stack.yml")
    assert "name" not in document  # the stack's name is `docker stack deploy`'s argument
    composed = _yaml(compose, "docker-compose.yml")
    assert set(document["services"]) == set(composed["services"])
    for name, svc in document["services"].items():
        assert not COMPOSE_ONLY & set(svc), name
        assert svc["deploy"]["endpoint_mode"] == "dnsrr", name
        for volume in svc.get("volumes", []):
            assert not volume.startswith(("./", "/")), (name, volume)  # no host paths
    for network in document["networks"].values():
        assert network["driver"] == "overlay"
    assert document["networks"]["backend"]["internal"] is True


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_images_are_pinned_and_built_ones_come_from_the_registry(
    example: Path, tmp_path: Path
) -> None:
    swarm, compose = _trees(example, tmp_path, registry="registry.example.com/team")
    services = _yaml(swarm, "stack.yml")["services"]
    composed = _yaml(compose, "docker-compose.yml")["services"]
    script = swarm[PurePosixPath("scripts/build-images.sh")].decode()
    for name, svc in services.items():
        image = svc["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest" and "/" not in tag, image
        if "build" in composed[name]:
            assert image == f"registry.example.com/team/demo-{name}:v1"
            build = composed[name]["build"]
            assert f"-t {image} -f {build['context']}/{build['dockerfile']}" in script
            for context, path in build.get("additional_contexts", {}).items():
                assert f"--build-context {context}={path}" in script
            assert f"docker push {image}" in script
        else:
            assert image == composed[name]["image"]


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_every_bind_mounted_file_is_a_config_named_after_its_content(
    example: Path, tmp_path: Path
) -> None:
    swarm, compose = _trees(example, tmp_path)
    document = _yaml(swarm, "stack.yml")
    composed = _yaml(compose, "docker-compose.yml")["services"]
    for name, svc in composed.items():
        wanted = {}
        for volume in svc.get("volumes", []):
            source, target = volume.split(":")[:2]
            if not source.startswith("./"):
                continue
            source = source[2:]
            below = [p for p in map(str, swarm) if p == source or p.startswith(source + "/")]
            assert below, (name, source)
            for path in below:
                wanted[target + path[len(source) :]] = path
        mounted = {c["target"]: c["source"] for c in document["services"][name].get("configs", [])}
        assert set(mounted) == set(wanted), name
        for target, key in mounted.items():
            spec = document["configs"][key]
            data = swarm[PurePosixPath(wanted[target])]
            assert spec["file"] == f"./{wanted[target]}"
            assert spec["name"].endswith("-" + hashlib.sha256(data).hexdigest()[:12])
            assert spec["name"].startswith("demo-")


def test_a_changed_file_is_a_new_config_and_only_that_one(tmp_path: Path) -> None:
    example = REPO / "examples" / "serverless-items" / "terraform"
    before = _yaml(_trees(example, tmp_path)[0], "stack.yml")["configs"]
    changed_tree = _trees(example, tmp_path, acme_email="ops@example.com")[0]
    after = _yaml(changed_tree, "stack.yml")["configs"]
    changed = {k for k in before if before[k]["name"] != after[k]["name"]}
    assert changed == {"traefik-traefik-yml"}  # the static config holds the ACME e-mail


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_stateful_services_are_pinned_and_never_run_twice(example: Path, tmp_path: Path) -> None:
    document = _yaml(_trees(example, tmp_path)[0], "stack.yml")
    for name, svc in document["services"].items():
        deploy = svc["deploy"]
        if deploy.get("mode") == "replicated-job":
            assert deploy["restart_policy"]["condition"] == "on-failure"
            continue
        constraints = deploy.get("placement", {}).get("constraints", [])
        if svc.get("volumes"):
            assert constraints == [f"node.labels.cloudexit.demo.{name}==true"]
            assert deploy["update_config"]["order"] == "stop-first"
        else:
            assert constraints == []
            assert deploy["update_config"]["order"] == "start-first"
        assert deploy["update_config"]["failure_action"] == "rollback"


def test_edge_ports_keep_the_client_address(tmp_path: Path) -> None:
    example = REPO / "examples" / "serverless-items" / "terraform"
    traefik = _yaml(_trees(example, tmp_path)[0], "stack.yml")["services"]["traefik"]
    assert traefik["ports"] == [
        {"target": 80, "published": 80, "protocol": "tcp", "mode": "host"},
        {"target": 443, "published": 443, "protocol": "tcp", "mode": "host"},
    ]


def test_backends_get_a_connection_per_request_only_off_compose(tmp_path: Path) -> None:
    example = REPO / "examples" / "serverless-items" / "terraform"
    swarm, compose = _trees(example, tmp_path)
    assert _yaml(swarm, "traefik/traefik.yml")["serversTransport"] == {"maxIdleConnsPerHost": -1}
    assert "serversTransport" not in _yaml(compose, "traefik/traefik.yml")


def _write(tree: Tree, out: Path) -> Path:
    for path, data in tree.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    return out


def _fake_docker(tmp_path: Path) -> tuple[Path, Path]:
    """A `docker` that records its arguments and stdin: the engine's side of the deploy
    script is exercised for real by tests/docker/test_swarm.py (serverless-items has no
    secrets; full-estate's are checked here)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "docker.log"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "ARGS $*" >> {log}\n'
        'case "$1 $2" in\n'
        f'  "secret create") echo "STDIN $(cat)" >> {log} ;;\n'
        '  "secret inspect") exit 1 ;;\n'
        '  "node ls") echo node1 ;;\n'
        "esac\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return bin_dir, log


def test_deploy_script_creates_secrets_from_env_by_stdin(tmp_path: Path) -> None:
    example = REPO / "examples" / "full-estate" / "terraform"
    swarm, _ = _trees(example, tmp_path)
    out = _write(swarm, tmp_path / "stack")
    secrets = _yaml(swarm, "stack.yml")["secrets"]
    assert secrets and all(s["external"] for s in secrets.values())
    names = {s["name"]: key.upper() for key, s in secrets.items()}
    (out / ".env").write_text("".join(f"{v}=value of {v} $(not run)\n" for v in names.values()))
    bin_dir, log = _fake_docker(tmp_path)
    env = os.environ | {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(out / "scripts" / "swarm-deploy.sh")], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    for name, var in names.items():
        label = "com.docker.stack.namespace=demo"
        assert f"ARGS secret create --label {label} {name} -" in calls
        assert f"STDIN value of {var} $(not run)" in calls  # taken as it is, by stdin only
        assert not any(var in c and c.startswith("ARGS") and "value" in c for c in calls)
    assert calls[-1] == "ARGS stack deploy --detach=false --with-registry-auth -c stack.yml demo"


def test_deploy_script_refuses_without_env_or_labels(tmp_path: Path) -> None:
    example = REPO / "examples" / "serverless-items" / "terraform"
    swarm, _ = _trees(example, tmp_path)
    out = _write(swarm, tmp_path / "stack")
    script = str(out / "scripts" / "swarm-deploy.sh")
    done = subprocess.run(["bash", script], capture_output=True, text=True)
    assert done.returncode == 2 and ".env is missing" in done.stderr
    (out / ".env").write_text("")
    bin_dir, log = _fake_docker(tmp_path)
    (bin_dir / "docker").write_text(f'#!/bin/sh\necho "ARGS $*" >> {log}\n')  # no node labelled
    env = os.environ | {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", script], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "docker node update --label-add cloudexit.demo." in done.stderr
    assert "stack deploy" not in log.read_text()


def test_bind_mounts_resolve_files_and_directories() -> None:
    from cloudexit_ci.stack import Origin, Service

    volumes = (("./a/b.yml", "/etc/b.yml:ro"), ("./d", "/opt/d"), ("data", "/var"))
    svc = Service("s", (Origin("a", "f", 1),), "worker", volumes=volumes)
    files: Files = {"a/b.yml": (b"", ()), "d/x": (b"", ()), "d/y/z": (b"", ()), "dd/w": (b"", ())}
    mounts = platform.bind_mounts(svc, files)
    assert [(m.source, m.target, m.files) for m in mounts] == [
        ("a/b.yml", "/etc/b.yml", (("/etc/b.yml", "a/b.yml"),)),
        ("d", "/opt/d", (("/opt/d/x", "d/x"), ("/opt/d/y/z", "d/y/z"))),
    ]
    assert platform.named_volumes(svc) == [("data", "/var")]
