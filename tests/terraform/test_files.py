"""Locating the repository root (and what counts as inside it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.terraform.files import repo_root_of
from cloudexit_ci.terraform.load import load_module
from tests.terraform.trees import write

TARBALL = {
    "stack/main.tf": 'module "x" {\n  source = "../modules/x"\n}\n',
    "modules/x/main.tf": 'resource "aws_s3_bucket" "b" { bucket = "from-module" }\n',
}


def test_the_nearest_git_directory_is_the_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, TARBALL)
    assert repo_root_of(tmp_path / "stack") == tmp_path


def test_outside_git_the_current_directory_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, TARBALL)  # an unpacked tarball: no .git anywhere
    monkeypatch.chdir(tmp_path)
    assert repo_root_of(tmp_path / "stack") == tmp_path
    module = load_module(Path("stack"))
    bucket = module.by_address("module.x.aws_s3_bucket.b")
    assert bucket is not None and bucket.values.get("bucket") == "from-module"
    assert bucket.file == "modules/x/main.tf"


def test_outside_git_and_outside_the_current_directory_the_dir_itself_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, TARBALL)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert repo_root_of(tmp_path / "stack") == tmp_path / "stack"
