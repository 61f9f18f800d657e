"""The whole generated tree of the serverless-items example, path → text (snapshot).

Rendered in memory with --output at the example's own `stack/` folder, so the
relative code context does not depend on where the repository is checked out.
"""

from __future__ import annotations

import hashlib
import json

from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.commands.common import options_of
from cloudexit_ci.main import _parser
from cloudexit_ci.pipeline import Source, generate
from tests.servers import REPO

EXAMPLE = REPO / "examples" / "serverless-items"
SHIM = REPO / "templates" / "runtime" / "node" / "cloudexit-shim.cjs"


def _tree() -> dict[str, str]:
    argv = ["migrate", str(EXAMPLE / "terraform"), "--output", str(EXAMPLE / "stack")]
    parser, _ = _parser(argv)
    options = options_of(parser.parse_args([*argv, "--domain", "api.example.com"]))
    result = generate(Source(EXAMPLE / "terraform"), options)
    return {str(path): data.decode() for path, data in sorted(result.tree.items())}


def _without_shim(tree: dict[str, str]) -> dict[str, str]:
    """The runtime shim is a verbatim copy of its template (owned and tested by the
    runtime tests): checked here byte for byte, then named instead of inlined."""
    shim = SHIM.read_text()
    digest = hashlib.sha256(shim.encode()).hexdigest()
    out = {}
    for path, text in tree.items():
        if path.endswith("/cloudexit-shim.cjs"):
            assert text == shim, path
            text = "<verbatim copy of templates/runtime/node/cloudexit-shim.cjs>"
        out[path] = text
    manifest = json.loads(out[".cloudexit/manifest.json"])
    for path, entry in manifest["files"].items():
        if path.endswith("/cloudexit-shim.cjs"):
            assert entry["sha256"] == digest
            entry["sha256"] = "<sha256 of the shim template>"
    out[".cloudexit/manifest.json"] = json.dumps(manifest, indent=2) + "\n"
    return out


def test_serverless_items_tree(snapshot: SnapshotAssertion) -> None:
    tree = _tree()
    assert sorted(tree) == list(tree)
    assert _without_shim(tree) == snapshot


def test_in_memory_render_is_deterministic() -> None:
    assert _tree() == _tree()
