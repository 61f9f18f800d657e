"""The user cache directory (never site-packages, which may be read-only)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cloudexit-ci`` (default ``~/.cache/cloudexit-ci``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cloudexit-ci"
