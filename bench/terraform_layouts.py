"""``.terraform/modules`` as ``terraform init`` lays it out, from the mirrored module repositories.

For a root module directory (a scratch copy, never the corpus itself), every module call
whose source is one of the ``REGISTRY`` repositories is installed: the registry form
``terraform-aws-modules/<name>/aws`` (``registry.terraform.io/`` in front or not,
``//submodule`` behind or not) at the newest release tag its ``version`` constraint allows,
and the git form ``github.com/terraform-aws-modules/terraform-aws-<name>[//sub][?ref=R]``
at ``R``. The release is extracted from the mirror (``bench/terraform_corpus.py``) and
copied (hard links) to ``.terraform/modules/<key>``, keys of nested calls joined with ".";
``.terraform/modules/modules.json`` records ``{"Key", "Source", "Version", "Dir"}`` with
``Dir`` relative to the root module directory. Calls inside installed and local modules
are followed. Any other source, or a constraint that no release meets, stays
uninstalled: the tool reports those calls as blocking findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.terraform_corpus import RECORD, REGISTRY, WORK, module_package, tags
from bench.terraform_versions import newest
from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast, files
from cloudexit_ci.terraform.modules import MANIFEST, is_local

REGISTRY_SOURCE = re.compile(
    r"^(?:registry\.terraform\.io/)?terraform-aws-modules/([a-z0-9-]+)/aws(?://(.+))?$"
)
GIT_SOURCE = re.compile(
    r"^(?:git::)?(?:https://)?github\.com/terraform-aws-modules/terraform-aws-([a-z0-9-]+?)"
    r"(?:\.git)?(?://([^?]+))?(?:\?ref=(.+))?$"
)
MAX_DEPTH = 8


@dataclass
class Layout:
    """What was installed under one root module: modules.json entries and what was not."""

    entries: list[dict[str, str]] = field(default_factory=list)
    not_installed: list[str] = field(default_factory=list)  # "key: source (why)"

    @property
    def installed(self) -> int:
        return sum(1 for e in self.entries if e["Dir"].startswith(".terraform/modules/"))


def _literal(attribute: ast.Attribute | None) -> str:
    expr = attribute.expr if attribute else None
    if isinstance(expr, ast.Lit) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Template) and all(isinstance(p, str) for p in expr.parts):
        return "".join(str(p) for p in expr.parts)
    return ""


def module_calls(directory: Path) -> list[tuple[str, str, str]]:
    """(name, source, version constraint) of every module block in ``directory``."""
    calls = []
    try:  # named as the tool names them, so that its parse cache serves both
        parsed = files.parse_files(files.terraform_files(directory), files.repo_root_of(directory))
    except UserError:  # the tool reports it when it loads the directory
        return []
    for file in parsed:
        for block in file.blocks:
            if block.type == "module" and len(block.labels) == 1:
                source = _literal(block.body.attr("source"))
                calls.append((block.labels[0], source, _literal(block.body.attr("version"))))
    return calls


def release(source: str, constraint: str) -> tuple[str, str, str] | str:
    """(repository, ref, submodule) that ``terraform init`` would fetch for a call, or why
    it cannot be installed here."""
    registry, git = REGISTRY_SOURCE.match(source), GIT_SOURCE.match(source)
    match = registry or git
    repo = REGISTRY.get(match[1]) if match else None
    if match is None or repo is None:
        return "not mirrored"
    if git:
        return repo, git[3] or "HEAD", git[2] or ""
    tag = newest(tags(repo), constraint)
    return (repo, tag, match[2] or "") if tag else f"no release meets {constraint!r}"


def _link_or_copy(source: str, target: str) -> object:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)
    return target


def link_tree(source: Path, target: Path, *skip: str) -> None:
    """A copy of ``source`` at ``target`` made of hard links (the extraction is read-only)."""
    ignore = shutil.ignore_patterns(RECORD, ".terraform", *skip)
    shutil.copytree(source, target, copy_function=_link_or_copy, ignore=ignore, symlinks=True)


class _Installer:
    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        self.work = work
        self.layout = Layout([{"Key": "", "Source": "", "Dir": "."}])

    def visit(self, directory: Path, prefix: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        for name, source, constraint in module_calls(directory):
            key = f"{prefix}.{name}" if prefix else name
            if any(e["Key"] == key for e in self.layout.entries):
                continue
            if is_local(source):
                child = (directory / source).resolve()
                if child.is_dir():
                    self._record(key, source, "", child)
                    self.visit(child, key, depth + 1)
                continue
            found = release(source, constraint)
            if isinstance(found, str):
                self.layout.not_installed.append(f"{key}: {source} ({found})")
            else:
                self._install(key, source, found, depth)

    def _install(self, key: str, source: str, found: tuple[str, str, str], depth: int) -> None:
        repo, ref, submodule = found
        package = self.root / ".terraform" / "modules" / key
        if not package.exists():
            link_tree(module_package(repo, ref, self.work), package)
        directory = package / submodule if submodule else package
        if not directory.is_dir():
            self.layout.not_installed.append(f"{key}: {source} (no submodule {submodule!r})")
            return
        registry = REGISTRY_SOURCE.match(source)
        if registry:  # recorded as Terraform records it: the full registry address
            source = f"registry.terraform.io/terraform-aws-modules/{registry[1]}/aws"
            source += f"//{submodule}" if submodule else ""
        self._record(key, source, ref.lstrip("v") if registry else "", directory)
        self.visit(directory, key, depth + 1)

    def _record(self, key: str, source: str, version: str, directory: Path) -> None:
        entry = {"Key": key, "Source": source, "Dir": os.path.relpath(directory, self.root)}
        if version:
            entry["Version"] = version
        self.layout.entries.append(entry)


def install(root: Path, work: Path = WORK) -> Layout:
    """Lay out ``root/.terraform/modules`` for every mirrored registry call below ``root``."""
    installer = _Installer(root.resolve(), work)
    installer.visit(installer.root, "", 0)
    if installer.layout.installed:
        manifest = root / MANIFEST
        manifest.parent.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {"Modules": installer.layout.entries}
        manifest.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return installer.layout


def uninstall(root: Path) -> None:
    shutil.rmtree(root / ".terraform", ignore_errors=True)
