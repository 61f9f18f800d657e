#!/usr/bin/env python3
"""Build create.zip ... delete.zip next to main.tf from src/<name>/, byte-for-byte reproducibly.

Entries are sorted, timestamps fixed (1980-01-01, the zip epoch), permissions
0644 and no directory entries, so the same sources always give the same zips
(and the same Terraform source_code_hash). The AWS SDK v3 is not bundled: the
Lambda Node.js 18+ runtime (and the cloudexit image) provides it.

    python build.py           # write the zips
    python build.py --check   # exit 1 if a committed zip is stale
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUNCTIONS = ["create", "get", "list", "update", "delete"]
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def build(name: str) -> bytes:
    src = HERE / "src" / name
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in src.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    stale = []
    for name in FUNCTIONS:
        target = HERE / f"{name}.zip"
        data = build(name)
        if "--check" in argv:
            if not target.exists() or target.read_bytes() != data:
                stale.append(target.name)
        else:
            target.write_bytes(data)
    if stale:
        print("stale: " + ", ".join(stale) + " (run: python build.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
