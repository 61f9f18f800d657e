"""The output as data, shared by render, diff, cache, check and migrate (one home each).

- :data:`Tree`: the whole generated output in memory, relative path → bytes.
- :data:`Files`: what a renderer returns: path → (bytes, the Terraform addresses the
  file came from); the manifest records both.
- :func:`sha256`: the digest the manifest records per file.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

Tree = dict[PurePosixPath, bytes]
Files = dict[str, tuple[bytes, tuple[str, ...]]]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
