"""The shims' pooled request-id generators: RFC 4122 version 4 shape, no repeats
across several pool refills (ids come from a CSPRNG pool, not one syscall each)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.runtime.harness import NODE, NODE_SHIM, PY_SHIM

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
COUNT = 20000  # Node pool: 4096 ids; Python pool: 256 ids


def check(ids: list[str]) -> None:
    assert len(ids) == COUNT
    assert len(set(ids)) == COUNT
    bad = [x for x in ids if not UUID.match(x)]
    assert not bad, bad[:3]
    # Version and variant nibbles fixed, the rest looks random: every hex digit
    # appears in the first position.
    assert {x[0] for x in ids} == set("0123456789abcdef")
    assert {x[19] for x in ids} == set("89ab")


@pytest.mark.skipif(NODE is None, reason="node missing")
def test_node_uuid4_pool() -> None:
    script = (
        f"const m = require({json.dumps(str(NODE_SHIM))});"
        f"const ids = []; for (let i = 0; i < {COUNT}; i++) ids.push(m.uuid4());"
        "process.stdout.write(JSON.stringify(ids));"
    )
    out = subprocess.run(
        [str(NODE), "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    check(json.loads(out.stdout))


def test_python_fresh_id_pool() -> None:
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('shim', {str(PY_SHIM)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"sys.stdout.write(json.dumps([m.fresh_id() for _ in range({COUNT})]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    check(json.loads(out.stdout))


def test_python_fresh_id_threads() -> None:
    """Threads drawing ids concurrently never get the same one."""
    script = (
        "import importlib.util, json, sys, threading\n"
        f"spec = importlib.util.spec_from_file_location('shim', {str(PY_SHIM)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "out = []\n"
        f"def work(): out.extend([m.fresh_id() for _ in range({COUNT // 8})])\n"
        "threads = [threading.Thread(target=work) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "sys.stdout.write(json.dumps(out))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    check(json.loads(out.stdout))
