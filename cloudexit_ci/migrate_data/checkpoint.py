"""Checkpoints in --state-dir: one JSON file per job, always replaced atomically.

A file is written to a temporary name in the same directory, flushed and
fsynced, then renamed over the old one (``os.replace`` is atomic on POSIX), so a
process killed at any instant leaves either the old or the new checkpoint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data import hooks

STATE_VERSION = 1


def atomic_write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        hooks.maybe_kill("checkpoint")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def job_id(fingerprint: dict[str, Any]) -> str:
    """A stable file name for one source→target pair."""
    raw = json.dumps(fingerprint, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


class Checkpoint:
    """The state of one job; ``update`` mutates under a lock and persists atomically.

    ``update_in(..., every=s)`` persists only when the file is older than ``s``
    seconds (the newest state is always what is written, so a later write covers
    the skipped ones); a crash then replays at most ``s`` seconds more work. Every
    other update, and :meth:`flush`, writes at once.
    """

    def __init__(self, path: Path, fingerprint: dict[str, Any], data: dict[str, Any]):
        self.path = path
        self.fingerprint = fingerprint
        self.data = data
        self._lock = threading.Lock()
        self._written = 0.0  # monotonic time of the last write
        self._dirty = False

    @classmethod
    def open(
        cls, state_dir: Path, fingerprint: dict[str, Any], *, resume: bool, restart: bool
    ) -> Checkpoint:
        path = state_dir / f"{fingerprint['kind']}-{job_id(fingerprint)}.json"
        if restart or not path.exists():
            return cls(path, fingerprint, {"version": STATE_VERSION, "job": fingerprint})
        data = _read(path)
        if data.get("done") or resume:
            return cls(path, fingerprint, data)
        raise UserError(
            "an unfinished migration of this source and target has a checkpoint",
            where=str(path),
            hint="add --resume to continue it, or --restart to start over",
        )

    @property
    def done(self) -> bool:
        return bool(self.data.get("done"))

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self.data.get(key, default)

    def update(self, **values: Any) -> None:
        with self._lock:
            self.data.update(values)
            self._write()

    def update_in(self, section: str, key: str, value: Any, *, every: float = 0.0) -> None:
        with self._lock:
            self.data.setdefault(section, {})[key] = value
            self._dirty = True
            if every <= 0 or time.monotonic() - self._written >= every:
                self._write()

    def flush(self) -> None:
        """Write what ``update_in(every=...)`` has not written yet."""
        with self._lock:
            if self._dirty:
                self._write()

    def _write(self) -> None:
        atomic_write_json(self.path, self.data)
        self._written = time.monotonic()
        self._dirty = False


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read checkpoint: {exc}", where=str(path), hint="use --restart"
        ) from exc
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise UserError("unknown checkpoint format", where=str(path), hint="use --restart")
    return data
