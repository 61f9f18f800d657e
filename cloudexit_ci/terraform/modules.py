"""Where a module call's code is, as Terraform finds it.

A local source (``./x``, ``../x``) is a directory next to the calling module.
Any other source (registry, git, s3, http, an absolute path…) is read from the
directory ``terraform init`` (or ``terraform get``) recorded for the call in
``<root>/.terraform/modules/modules.json``: ``{"Modules": [{"Key": "a.b",
"Source": ..., "Dir": ".terraform/modules/a.b"}]}``, keys of nested calls
joined with ".", ``Dir`` relative to the root module directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import files

MANIFEST = PurePosixPath(".terraform/modules/modules.json")
FIX = "run `terraform init -backend=false` (or `terraform get`) in {root}"


@dataclass(frozen=True)
class Installed:
    """One recorded module call: its key (``a.b``), source, version and directory."""

    key: str
    source: str
    version: str
    dir: str  # as recorded: relative to the root module directory


@dataclass(frozen=True)
class Located:
    """Where a call's code is (``directory``), or why it is not there (``missing``)."""

    directory: Path | None
    missing: str = ""


def is_local(source: str) -> bool:
    """Terraform's rule: a local path starts with ``./`` or ``../``."""
    return source.startswith(("./", "../", ".\\", "..\\"))


class Manifest:
    """``.terraform/modules/modules.json`` of a root module (empty when absent)."""

    def __init__(self, root: Path, shown_root: str) -> None:
        self.root = root
        self.shown_root = shown_root
        self.path = root / MANIFEST
        self.shown = str(PurePosixPath(shown_root) / MANIFEST)
        self.entries: dict[str, Installed] = {}
        if files.exists(self.path):
            self.entries = self._read()

    def _read(self) -> dict[str, Installed]:
        text = files.read_text(self.path, self.shown)
        hint = FIX.format(root=self.shown_root) + " to write it again"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"invalid JSON: {exc.msg}", where=f"{self.shown}:{exc.lineno}", hint=hint
            ) from None
        modules = data.get("Modules") if isinstance(data, dict) else None
        if not isinstance(modules, list):
            raise UserError('no "Modules" list', where=f"{self.shown}:1", hint=hint)
        out = {}
        for item in modules:
            if isinstance(item, dict) and isinstance(item.get("Key"), str):
                directory = str(item.get("Dir") or "").replace("\\", "/")
                source, version = str(item.get("Source", "")), str(item.get("Version", ""))
                out[item["Key"]] = Installed(item["Key"], source, version, directory)
        return out

    def locate(self, key: str, source: str) -> Located:
        """The recorded directory of call ``key`` (``a.b``), or why there is none."""
        fix = FIX.format(root=self.shown_root)
        entry = self.entries.get(key)
        if entry is None:
            if not self.entries:
                why = f"module source {source!r} is not installed (no {self.shown})"
            else:
                why = f"module {key!r} is not recorded in {self.shown}"
            return Located(None, f"{why}: {fix}")
        directory = self.root / entry.dir
        if not files.exists(directory):
            return Located(None, f"{self.shown} names {entry.dir!r}, which is missing: {fix}")
        return Located(directory)


def module_key(parent_key: str, name: str) -> str:
    """The manifest key of call ``name`` inside the module instance keyed ``parent_key``."""
    return f"{parent_key}.{name}" if parent_key else name
