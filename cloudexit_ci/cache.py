"""Render cache: an unchanged re-check is nearly free.

A render is a pure function of its inputs: the Terraform files it read, the
directory listings it looked at, the code paths whose existence it tested,
the options, and the generator itself. The first render records those inputs
(``terraform.files.recording``); a later run with the same options re-checks
each recorded input (hashing small files) and, when all match, reuses the
stored Tree and coverage without loading HCL, mapping or rendering anything.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cloudexit_ci import __version__
from cloudexit_ci.ignores import Ignore
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.cachedir import cache_dir
from cloudexit_ci.terraform.files import fingerprint
from cloudexit_ci.tree import Tree

_FORMAT = 1


@dataclass(frozen=True)
class Rendered:
    """What `check` and `migrate` need from a render."""

    tree: Tree
    coverage: tuple[Coverage, ...]
    ignores: dict[str, Ignore]
    root_dir: str
    repo_root: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Entry:
    inputs: tuple[tuple[str, str, str], ...]
    rendered: Rendered


@functools.lru_cache(maxsize=1)
def generator_fingerprint() -> str:
    """Changes with any source or template of this package (a dev edit invalidates)."""
    root = Path(__file__).parent
    digest = hashlib.sha256(f"{__version__}:{_FORMAT}".encode())
    templates = Path(__import__("cloudexit_ci.templates").templates.__path__[0])
    for base in (root, templates):
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                stat = os.stat(os.path.join(dirpath, name))
                digest.update(f"{dirpath}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def key_of(*parts: object) -> str:
    text = "\0".join(repr(p) for p in (generator_fingerprint(), *parts))
    return hashlib.sha256(text.encode()).hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / "rendered" / f"{key}.pickle"


def enabled() -> bool:
    return os.environ.get("CLOUDEXIT_NO_CACHE", "") in ("", "0")


def lookup(key: str) -> Rendered | None:
    if not enabled():
        return None
    try:
        with _path(key).open("rb") as handle:
            entry = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(entry, _Entry):
        return None
    for kind, path, expected in entry.inputs:
        if fingerprint(kind, Path(path)) != expected:
            return None
    return entry.rendered


def store(key: str, inputs: list[tuple[str, str, str]], rendered: Rendered) -> None:
    if not enabled():
        return
    target = _path(key)
    entry = _Entry(tuple(dict.fromkeys(inputs)), rendered)
    with contextlib.suppress(OSError, pickle.PicklingError):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
