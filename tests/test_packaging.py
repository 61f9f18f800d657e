"""The wheel must carry every subpackage and the templates (pre-commit installs it)."""

from __future__ import annotations

from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "cloudexit_ci").rglob("__init__.py")
    }
    assert on_disk - listed == set()
    assert config["tool"]["setuptools"]["package-dir"]["cloudexit_ci.templates"] == "templates"
