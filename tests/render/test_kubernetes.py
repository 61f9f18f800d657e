"""``--platform kubernetes``: every manifest of the examples and of fixture stacks
validates strictly against Kubernetes 1.31's schemas, both overlays build with a real
kustomize and validate too, the output is deterministic, and ``check`` sees drift."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.main import main
from cloudexit_ci.tree import Files
from tests.render.kubernetes_helpers import (
    STACKS,
    Rendered,
    kustomize,
    render,
    validate,
    write,
)
from tests.servers import REPO


@pytest.mark.parametrize("name", STACKS)
def test_every_manifest_validates_strictly(name: str) -> None:
    objects = render(name).objects()
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "Deployment", "Service", "NetworkPolicy"} <= kinds, kinds
    for doc in objects:
        validate(doc)


def test_an_unknown_field_fails_validation() -> None:
    deployment = next(o for o in render("full-estate").objects() if o["kind"] == "Deployment")
    validate(deployment)
    planted = copy.deepcopy(deployment)
    planted["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(Exception, match="imagePullPolicyy"):
        validate(planted)
    typo = copy.deepcopy(deployment)
    typo["spec"]["replica"] = 2
    with pytest.raises(Exception, match="replica"):
        validate(typo)


def test_full_estate_file_list() -> None:
    paths = sorted(
        p for p in render("full-estate").files if p.startswith(("kubernetes/", "scripts/"))
    )
    base = [p.removeprefix("kubernetes/base/") for p in paths if p.startswith("kubernetes/base/")]
    assert base == [
        "configmaps.yaml", "elasticmq.yaml", "estate-cache.yaml", "estate-db.yaml",
        "estate-nightly.yaml", "estate-web.yaml", "estate-worker.yaml", "keycloak-db.yaml",
        "keycloak.yaml", "kustomization.yaml", "lambda-invoke.yaml", "namespace.yaml",
        "network-policies.yaml", "poll-estate-worker.yaml", "scheduler.yaml", "sns.yaml",
        "traefik.yaml",
    ]  # fmt: skip
    for overlay in ("dev", "prod"):
        assert f"kubernetes/overlays/{overlay}/kustomization.yaml" in paths
        assert f"kubernetes/overlays/{overlay}/secrets.env.example" in paths
    assert "kubernetes/README.md" in paths and "scripts/build-images.sh" in paths
    assert "docker-compose.yml" not in render("full-estate").files


def _overlay(tmp_path: Path, rendered: Rendered, overlay: str) -> list[dict[str, Any]]:
    write(rendered.kubernetes(), tmp_path)
    where = tmp_path / "kubernetes" / "overlays" / overlay
    example = (where / "secrets.env.example").read_text() if rendered.stack.env_vars else ""
    names = [line.split("=", 1)[0] for line in example.splitlines() if line.endswith("=")]
    (where / "secrets.env").write_text("".join(f"{n}=value-of-{n.lower()}\n" for n in names))
    return kustomize(where)


@pytest.mark.parametrize("name", STACKS)
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlays_build_and_validate(tmp_path: Path, name: str, overlay: str) -> None:
    rendered = render(name)
    built = _overlay(tmp_path, rendered, overlay)
    for doc in built:
        validate(doc)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in built:
        by_kind.setdefault(doc["kind"], []).append(doc)
        assert doc["metadata"].get("namespace", name) == name or doc["kind"] == "Namespace"
    if rendered.stack.env_vars:
        secret = by_kind["Secret"][0]["metadata"]["name"]
        assert secret.startswith("dotenv-")  # kustomize's content hash, references rewritten
    text = yaml.safe_dump(built)
    assert "name: dotenv\n" not in text and "secretName: dotenv\n" not in text
    functions = [h for h in by_kind.get("HorizontalPodAutoscaler", [])]
    assert functions
    for hpa in functions:
        spec = hpa["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == (
            (1, 1) if overlay == "dev" else (2, 20)
        )
    sizes = {
        t["spec"]["resources"]["requests"]["storage"]
        for s in by_kind.get("StatefulSet", [])
        for t in s["spec"].get("volumeClaimTemplates", [])
    }
    assert sizes == ({"10Gi"} if overlay == "dev" else {"100Gi"}) or not sizes


def test_overlay_images_retag_the_built_images(tmp_path: Path) -> None:
    rendered = render("serverless-items")
    write(rendered.kubernetes(), tmp_path)
    kustomization = tmp_path / "kubernetes" / "overlays" / "prod" / "kustomization.yaml"
    doc = yaml.safe_load(kustomization.read_text())
    for image in doc["images"]:
        image["newTag"] = "v2"
    kustomization.write_text(yaml.safe_dump(doc))
    where = kustomization.parent
    (where / "secrets.env").write_text("")
    images = {
        c["image"]
        for o in kustomize(where)
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    assert "localhost:5000/serverless-items-create-item:v2" in images
    assert not any(i.startswith("localhost:5000/") and i.endswith(":v1") for i in images)


def test_the_gateway_runs_the_compose_edge_files_byte_for_byte() -> None:
    rendered = render("full-estate")
    compose = render_compose("full-estate")
    maps = {
        o["metadata"]["name"]: o["data"] for o in rendered.objects() if o["kind"] == "ConfigMap"
    }
    # the static config this platform's tree holds (render/traefik.py's, once)
    static = rendered.files["traefik/traefik.yml"].decode()
    assert maps["files-traefik-traefik-yml"]["traefik__traefik.yml"] == static
    dynamic = maps["files-traefik-dynamic"]
    edge = {p: t for p, t in compose.items() if p.startswith("traefik/dynamic/")}
    assert edge and {k.replace("__", "/"): v for k, v in dynamic.items()} == edge


def render_compose(name: str) -> dict[str, str]:
    from cloudexit_ci.pipeline import generate
    from tests.render.kubernetes_helpers import options_of, source_of

    options = options_of(name)
    plain = type(options)(**{**options.__dict__, "platform": "compose"})
    tree = generate(source_of(name), plain).tree
    return {str(p): d.decode() for p, d in tree.items() if not str(p).startswith(".cloudexit")}


SCRIPT = """
import hashlib
from tests.render.kubernetes_helpers import STACKS, render
digest = hashlib.sha256()
for name in STACKS:
    for path, data in sorted(render(name).files.items()):
        digest.update(path.encode() + b"\\0" + data + b"\\0")
print(digest.hexdigest())
"""


def test_same_bytes_under_every_hash_seed() -> None:
    digests = set()
    for seed in ("0", "7"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "CLOUDEXIT_NO_CACHE": "1"}
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout)
    assert len(digests) == 1


def test_check_reports_a_hand_edited_manifest_as_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shutil.copytree(REPO / "examples" / "serverless-items" / "terraform", tmp_path / "tf")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    flags = ["tf", "-o", "out", "--platform", "kubernetes", "--domain", "api.example.com"]
    assert main(["migrate", *flags]) == 0
    assert main(["check", *flags]) == 0
    manifest = tmp_path / "out" / "kubernetes" / "base" / "create-item.yaml"
    manifest.write_text(manifest.read_text().replace("cpu: 100m", "cpu: 900m", 1))
    assert main(["check", *flags]) == 1
    assert main(["migrate", *flags]) == 0
    assert main(["check", *flags]) == 0


def test_a_volume_several_services_mount_is_one_read_write_many_claim() -> None:
    objects = render("websocket").objects()
    claims = [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    shared = [c for c in claims if c["metadata"]["name"] == "websocket-tls"]
    assert len(shared) == 1 and shared[0]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert shared[0]["metadata"]["labels"]["app.kubernetes.io/name"] == "websocket"  # the writer
    single = [c for c in claims if c["metadata"]["name"] == "lambda-invoke-data"]
    assert single[0]["spec"]["accessModes"] == ["ReadWriteOnce"]
    for workload in ("ws-chat", "ws-authorizer"):
        deployment = next(
            o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == workload
        )
        mount = next(
            m
            for m in deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
            if m["name"] == "websocket-tls"
        )
        assert mount == {
            "name": "websocket-tls",
            "mountPath": "/etc/cloudexit/websocket-tls",
            "readOnly": True,
        }


def test_a_config_map_past_the_api_limit_is_refused() -> None:
    from cloudexit_ci.errors import UserError
    from cloudexit_ci.render.kubernetes import kubernetes_files
    from tests.render.kubernetes_helpers import options_of

    rendered = render("full-estate")
    common: Files = {
        p: (d, ()) for p, d in rendered.files.items() if not p.startswith("kubernetes/")
    }
    options = options_of("full-estate")
    assert kubernetes_files(rendered.stack, options, "h", common)
    common["sns/topics.json"] = (b"x" * 1_000_001, ())
    with pytest.raises(UserError, match="files-sns"):
        kubernetes_files(rendered.stack, options, "h", common)


def test_the_gateway_keeps_the_client_address() -> None:
    service = next(
        o
        for o in render("full-estate").objects()
        if o["kind"] == "Service" and o["metadata"]["name"] == "traefik"
    )
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["spec"]["externalTrafficPolicy"] == "Local"
    assert [p["port"] for p in service["spec"]["ports"]] == [80, 443]


def test_a_job_is_named_by_its_content() -> None:
    from cloudexit_ci.render.kubernetes import kubernetes_files
    from tests.render.kubernetes_helpers import options_of

    rendered = render("serverless-items")
    common: Files = {
        p: (d, ()) for p, d in rendered.files.items() if not p.startswith("kubernetes/")
    }
    options = options_of("serverless-items")

    def job_name(files: Files) -> str:
        docs = yaml.safe_load_all(files["kubernetes/base/dynamodb-init.yaml"][0])
        name: str = next(d for d in docs if d)["metadata"]["name"]
        return name

    before = job_name(kubernetes_files(rendered.stack, options, "h", common))
    assert before.startswith("dynamodb-init-") and len(before) == len("dynamodb-init-") + 8
    assert job_name(kubernetes_files(rendered.stack, options, "h", common)) == before
    script = common["init/dynamodb/init.sh"][0]
    common["init/dynamodb/init.sh"] = (script + b"# changed\n", ())
    assert job_name(kubernetes_files(rendered.stack, options, "h", common)) != before


def test_a_bind_mount_that_shows_no_file_is_an_empty_directory() -> None:
    from cloudexit_ci.render.kubernetes import kubernetes_files
    from tests.render.kubernetes_helpers import options_of

    rendered = render("full-estate")
    common: Files = {
        p: (d, ())
        for p, d in rendered.files.items()
        if not p.startswith(("kubernetes/", "keycloak/import/"))
    }
    files = kubernetes_files(rendered.stack, options_of("full-estate"), "h", common)
    docs = [d for d in yaml.safe_load_all(files["kubernetes/base/keycloak.yaml"][0]) if d]
    for doc in docs:
        validate(doc)
    pod = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert {"name": "files-0", "emptyDir": {}} in pod["volumes"]
    maps = yaml.safe_load_all(files["kubernetes/base/configmaps.yaml"][0])
    assert not any(m and "keycloak" in m["metadata"]["name"] for m in maps)
