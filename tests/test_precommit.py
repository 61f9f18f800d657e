"""The real `pre-commit`, with this repository as the hook source, in a throwaway repo.

A commit whose generated stack drifted from the Terraform is blocked and shows
the diff; the fixing hook rewrites the stack (and fails, as a fixer must);
once the rewritten files are added, the commit passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=t@e.st", "-c", "user.name=t", *args],
        capture_output=True, text=True, check=check, env=os.environ,
    )  # fmt: skip


def _head_of_this_repo() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail("this test needs the project as a git checkout (the hook source)")
    return done.stdout.strip()


@pytest.fixture
def user_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "user"
    shutil.copytree(EXAMPLE, root / "infra")
    (root / ".cloudexit.yml").write_text(
        "stacks:\n  - terraform: infra\n    output: self-hosted\n    domain: api.example.com\n"
    )
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {REPO}\n"
        f"    rev: {_head_of_this_repo()}\n"
        "    hooks:\n"
        "      - id: cloudexit-ci-check\n"
        "      - id: cloudexit-ci\n"
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([sys.executable, "-m", "cloudexit_ci", "migrate"], cwd=root, check=False)
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "initial stack")
    install = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=root, capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, install.stderr
    return root


def test_drift_blocks_the_commit_and_the_fixing_hook_repairs_it(user_repo: Path) -> None:
    main_tf = user_repo / "infra" / "main.tf"
    text = main_tf.read_text()
    main_tf.write_text(text.replace("timeout          = 10", "timeout          = 20"))
    _git(user_repo, "add", "infra/main.tf")

    blocked = _git(user_repo, "commit", "-m", "longer timeout", check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "cloudexit-ci check" in output and "Failed" in output
    assert '"timeout": 10' in output and '"timeout": 20' in output  # the diff is shown
    assert "files were modified by this hook" in output or "cloudexit-ci:" in output
    assert _git(user_repo, "log", "--oneline").stdout.count("\n") == 1  # nothing committed

    _git(user_repo, "add", "-A")  # the files the fixing hook rewrote
    passed = _git(user_repo, "commit", "-m", "longer timeout", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert _git(user_repo, "status", "--porcelain").stdout == ""
    config = (user_repo / "self-hosted" / "functions" / "get-item" / "config.json").read_text()
    assert '"timeout": 20' in config
