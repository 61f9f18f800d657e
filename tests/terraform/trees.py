"""Small Terraform trees written into tmp_path by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from cloudexit_ci.terraform.load import load_module
from cloudexit_ci.terraform.model import Resource, TerraformModule


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` under ``root``; returns ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def installed(root: Path, modules: dict[str, tuple[str, str]]) -> None:
    """``.terraform/modules/modules.json`` as ``terraform init`` writes it:
    ``{key: (source, dir)}`` plus the root entry."""
    entries = [{"Key": "", "Source": "", "Dir": "."}]
    for key, (source, directory) in modules.items():
        entries.append({"Key": key, "Source": source, "Version": "1.0.0", "Dir": directory})
    write(root, {".terraform/modules/modules.json": json.dumps({"Modules": entries})})


def load(root: Path, *, var_args: tuple[str, ...] = ()) -> TerraformModule:
    if not any((d / ".git").exists() for d in (root, *root.parents)):
        (root / ".git").mkdir()  # the tree is its own repository
    return load_module(root, var_args=var_args)


def resource(module: TerraformModule, address: str) -> Resource:
    found = module.by_address(address)
    assert found is not None, f"{address} not in {[r.address for r in module.resources]}"
    return found


def addresses(module: TerraformModule) -> list[str]:
    return [r.address for r in module.resources]
