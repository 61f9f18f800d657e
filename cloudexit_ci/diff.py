"""Tree vs Tree: what differs between a fresh render and the checked-in output.

``expected`` is always the fresh in-memory render, ``actual`` what is on disk
(read with :func:`read_checked_in`). Every difference is reported, exactly:
a changed version header is drift too. YAML and JSON files are additionally
compared as data (dict order ignored, list order kept) so that a drift names
the key paths that changed. deepdiff is imported lazily, and only for files
whose bytes differ.

Drift kinds (one per file, never two):

- ``missing``: the fresh render produces the file, the output dir lacks it
  (or it is a symlink leading out of the output dir, which is never read).
- ``extra``: the file is on disk, generator-owned (listed in the on-disk
  manifest, or inside a directory that holds manifest-listed files) and the
  fresh render no longer produces it.
- ``hand-edited``: the bytes differ from the fresh render AND from the sha256
  the on-disk manifest recorded for it: someone edited a generated file. It
  replaces ``changed`` because the remedy differs (``check --fix`` would
  overwrite a person's edit; move the change into Terraform/config first).
- ``changed``: the bytes differ from the fresh render, the on-disk file is what
  the generator wrote last time (regenerate to fix).

A file equal to the fresh render is never reported, even if the on-disk
manifest disagrees: the manifest is itself in the tree, so its staleness is
reported as drift of ``.cloudexit/manifest.json``.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from cloudexit_ci import yamlio
from cloudexit_ci.manifest import MANIFEST_PATH, Manifest
from cloudexit_ci.manifest import parse as parse_manifest
from cloudexit_ci.tree import Tree, sha256

DriftKind = Literal["changed", "missing", "extra", "hand-edited"]
DRIFT_KINDS: tuple[DriftKind, ...] = ("hand-edited", "missing", "changed", "extra")
_DATA_SUFFIXES = (".yml", ".yaml", ".json")
_MAX_VALUE_CHARS = 80


@dataclass(frozen=True, order=True)
class Change:
    """One data-level change: ``old``/``new`` are short reprs, None when absent."""

    path: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        if self.old is None:
            return f"{self.path}: added {self.new}"
        if self.new is None:
            return f"{self.path}: removed (was {self.old})"
        return f"{self.path}: {self.old} → {self.new}"


@dataclass(frozen=True)
class Drift:
    """One drifted file. ``unified`` goes from the checked-in file to the fresh render."""

    path: PurePosixPath
    kind: DriftKind
    unified: str
    changes: tuple[Change, ...] = ()
    sources: tuple[str, ...] = ()
    line: int = 1  # first changed line in the checked-in file (>= 1)
    note: str = ""

    @property
    def summary(self) -> str:
        return _SUMMARIES[self.kind].format(path=self.path)


_SUMMARIES: dict[DriftKind, str] = {
    "changed": "{path} differs from a fresh render",
    "missing": "{path} is generated but missing from the output directory",
    "extra": "{path} is no longer generated but is still checked in",
    "hand-edited": "{path} was edited by hand (sha256 differs from the manifest)",
}


# --- reading the checked-in tree ---------------------------------------------------------


def _safe_rel(path: PurePosixPath) -> bool:
    return not path.is_absolute() and ".." not in path.parts and str(path) not in ("", ".")


@functools.lru_cache(maxsize=256)
def _real(path: str) -> str:
    return os.path.realpath(path)


def _inside(root: Path, candidate: Path) -> bool:
    """``candidate`` (under ``root``) really lies inside ``root``: no symlink leads out.

    Only a symlinked component can lead out, so the costly realpath is taken
    only when the file or a directory between ``root`` and it is a link.
    """
    try:
        rel_parts = candidate.relative_to(root).parts
    except ValueError:
        return False
    current = str(root)
    for part in rel_parts:
        current = os.path.join(current, part)
        if os.path.islink(current):
            return os.path.realpath(candidate).startswith(_real(str(root)) + os.sep)
    return ".." not in rel_parts


def _walk_owned_dir(root: Path, rel_dir: PurePosixPath) -> Iterator[PurePosixPath]:
    top = root / rel_dir
    if not top.is_dir() or not _inside(root, top):
        return
    base = str(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames.sort()
        rel_dir_text = os.path.relpath(dirpath, base).replace(os.sep, "/")
        for name in sorted(filenames):
            yield PurePosixPath(f"{rel_dir_text}/{name}")


def owned_paths(output_dir: Path, expected: Iterable[PurePosixPath]) -> set[PurePosixPath]:
    """Files the generator owns: freshly rendered, manifest-listed, or in a generated subdir.

    A generated subdirectory is any directory (never the output dir itself)
    that holds a file listed in the on-disk manifest.
    """
    manifest = parse_manifest(_read_file(output_dir, MANIFEST_PATH))
    paths = {p for p in expected if _safe_rel(p)} | {MANIFEST_PATH}
    listed = {p for p in manifest.files if _safe_rel(p)}
    paths |= listed
    # the top-most generated directories (os.walk covers what is below them)
    tops = {str(p).split("/", 1)[0] for p in listed if "/" in str(p)}
    for rel_dir in sorted(PurePosixPath(t) for t in tops):
        paths.update(_walk_owned_dir(output_dir, rel_dir))
    return paths


def _read_file(root: Path, rel: PurePosixPath) -> bytes | None:
    full = root / rel
    if not _safe_rel(rel) or not full.is_file() or not _inside(root, full):
        return None
    return full.read_bytes()


def read_tree(output_dir: Path, paths: Iterable[PurePosixPath]) -> Tree:
    """Read the given relative paths; absent files and symlinks leading out are skipped."""
    tree: Tree = {}
    for rel in sorted(set(paths)):
        data = _read_file(output_dir, rel)
        if data is not None:
            tree[rel] = data
    return tree


def read_checked_in(output_dir: Path, expected: Tree) -> Tree:
    """The checked-in counterpart of ``expected``: every generator-owned file on disk."""
    return read_tree(output_dir, owned_paths(output_dir, expected))


# --- comparing ----------------------------------------------------------------------------


def diff_trees(expected: Tree, actual: Tree) -> list[Drift]:
    """Compare a fresh render with the checked-in tree; drifts sorted by path."""
    manifest = parse_manifest(actual.get(MANIFEST_PATH))
    drifts: list[Drift] = []
    for path in sorted(expected.keys() | actual.keys()):
        drift = _diff_one(path, expected.get(path), actual.get(path), manifest)
        if drift is not None:
            drifts.append(drift)
    return drifts


def _diff_one(
    path: PurePosixPath, new: bytes | None, old: bytes | None, manifest: Manifest
) -> Drift | None:
    if new == old:
        return None
    entry = manifest.files.get(path)
    sources = entry.sources if entry else ()
    unified, line = unified_diff(path, old, new)
    if old is None:
        return Drift(path, "missing", unified, sources=sources, line=1)
    if new is None:
        return Drift(path, "extra", unified, sources=sources, line=1)
    kind: DriftKind = "hand-edited" if entry and entry.sha256 != sha256(old) else "changed"
    changes, note = data_changes(path, old, new)
    return Drift(path, kind, unified, changes, sources, line, note)


def _decode(data: bytes | None) -> str | None:
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(path: PurePosixPath, old: bytes | None, new: bytes | None) -> tuple[str, int]:
    """Unified diff (checked-in → fresh) and the first changed line of the checked-in file."""
    a, b = _decode(old), _decode(new)
    from_name = "/dev/null" if old is None else f"a/{path}"
    to_name = "/dev/null" if new is None else f"b/{path}"
    if a is None or b is None:
        return f"Binary files {from_name} and {to_name} differ\n", 1
    out = list(difflib.unified_diff(_lines(a), _lines(b), from_name, to_name, n=3))
    return "".join(out), _first_line(out)


def _first_line(diff_lines: list[str]) -> int:
    """Line number, in the checked-in file, of the first changed line of the first hunk."""
    for index, text in enumerate(diff_lines):
        if text.startswith("@@ -"):
            start = int(text[4:].split(" ", 1)[0].split(",")[0])
            context = 0
            for body in diff_lines[index + 1 :]:
                if not body.startswith(" "):
                    break
                context += 1
            return max(1, start + context)
    return 1


def _load_data(path: PurePosixPath, text: str) -> Any:
    if path.suffix == ".json":
        return json.loads(text)
    documents = yamlio.load_all(text)
    if len(documents) == 1:
        return documents[0]
    keyed: dict[str, Any] = {}
    for i, doc in enumerate(documents):
        key = _document_key(i, doc)
        keyed[key if key not in keyed else f"document {i + 1}"] = doc
    return keyed


def _document_key(index: int, document: Any) -> str:
    """A document of a multi-document file by what it is: ``Deployment/api`` for a
    Kubernetes object (its kind and name), else its position."""
    if isinstance(document, dict) and isinstance(document.get("metadata"), dict):
        name = document["metadata"].get("name")
        if isinstance(document.get("kind"), str) and isinstance(name, str):
            return f"{document['kind']}/{name}"
    return f"document {index + 1}"


def data_changes(path: PurePosixPath, old: bytes, new: bytes) -> tuple[tuple[Change, ...], str]:
    """Key-path changes for YAML/JSON files (empty for other files), plus a note."""
    if path.suffix not in _DATA_SUFFIXES:
        return (), ""
    try:
        before = _load_data(path, old.decode("utf-8"))
        after = _load_data(path, new.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, yamlio.YAMLError):
        return (), "not comparable as data (parse error); compared as text"
    if before == after and type(before) is type(after):
        return (), "same data; only comments or formatting differ"
    return _deep_changes(before, after), ""


def _deep_changes(before: Any, after: Any) -> tuple[Change, ...]:
    from deepdiff import DeepDiff  # lazy: ~250 ms to import

    tree = DeepDiff(before, after, view="tree", ignore_order=False, threshold_to_diff_deeper=0)
    changes: dict[str, Change] = {}
    for report_type, levels in tree.items():
        for level in levels:
            keys = list(level.path(output_format="list"))
            if keys and isinstance(keys[-1], int):
                keys = keys[:-1]  # a list changed: show the whole list (order matters)
                change = _change(keys, _lookup(before, keys), _lookup(after, keys))
            elif "added" in report_type:
                change = _change(keys, _ABSENT, level.t2)
            elif "removed" in report_type:
                change = _change(keys, level.t1, _ABSENT)
            else:
                change = _change(keys, level.t1, level.t2)
            changes.setdefault(change.path, change)
    return tuple(sorted(changes.values()))


_ABSENT = object()


def _lookup(data: Any, keys: list[Any]) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return _ABSENT
    return data


def _change(keys: list[Any], old: Any, new: Any) -> Change:
    return Change(key_path(keys), _short(old), _short(new))


def _short(value: Any) -> str | None:
    if value is _ABSENT:
        return None
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def key_path(keys: Iterable[Any]) -> str:
    """``services.create-item.environment.TABLE_NAME``; odd keys quoted, indexes ``[i]``."""
    out = ""
    for key in keys:
        if isinstance(key, int) and not isinstance(key, bool):
            out += f"[{key}]"
        elif isinstance(key, str) and key and all(c.isalnum() or c in "_-" for c in key):
            out += f".{key}" if out else key
        else:
            out += f"[{json.dumps(key if isinstance(key, str) else str(key))}]"
    return out or "(root)"
