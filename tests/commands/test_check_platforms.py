"""`check` keeps every platform's output in sync with the Terraform (`platform:` per stack in
.cloudexit.yml): in sync is 0, a Terraform change not regenerated and a hand edit are 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cloudexit_ci.main import main
from tests.commands.test_check import EXAMPLE, _git, _own_cache

# platform → (the file holding a function's memory limit, how the drift names that limit)
PLATFORMS = {
    "compose": ("docker-compose.yml", "services.list-items.deploy.resources.limits.memory"),
    "swarm": ("stack.yml", "services.list-items.deploy.resources.limits.memory"),
    "kubernetes": (
        "kubernetes/base/list-items.yaml",
        '["Deployment/list-items"].spec.template.spec.containers[0].resources.limits.memory',
    ),
}
__all__ = ["_own_cache"]  # the autouse fixture: a cache of its own per test


@pytest.fixture(params=sorted(PLATFORMS))
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    platform: str = request.param
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root / "tf", ignore=shutil.ignore_patterns("node_modules"))
    (root / ".cloudexit.yml").write_text(
        "stacks:\n  - terraform: tf\n    output: stack\n    domain: api.example.com\n"
        f"    platform: {platform}\n"
    )
    _git(root.parent, "init", "-q", str(root))
    monkeypatch.chdir(root)
    assert main(["migrate"]) == 1
    return platform


def test_in_sync_then_terraform_drift_then_hand_edit(
    project: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = Path("stack")
    manifest = json.loads((stack / ".cloudexit" / "manifest.json").read_text())
    assert (manifest["options"].get("platform") or "compose") == project
    assert main(["check"]) == 0
    capsys.readouterr()

    main_tf = Path("tf/main.tf")
    original = main_tf.read_text()
    main_tf.write_text(original.replace("memory_size      = 512", "memory_size      = 1024"))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    path, key = PLATFORMS[project]
    assert key in out and path in out, out

    main_tf.write_text(original)
    edited = stack / path
    edited.write_text(edited.read_text() + "# edited\n")
    assert main(["check", "--format", "json"]) == 1
    drifts = json.loads(capsys.readouterr().out)["reports"][0]["drifts"]
    assert [(d["kind"], d["path"]) for d in drifts] == [("hand-edited", f"stack/{path}")]
