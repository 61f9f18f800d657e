"""The Node shim's unit tests (tests/runtime/node/*.test.cjs, Node's built-in test
runner) as part of `pytest`: one `node --test` run, then one pytest item per
contract row (tests/runtime/contract/), failing with Node's own diagnostic for
that row, and one for the whole run (tests outside the tables included).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.runtime import contract
from tests.runtime.harness import NODE
from tests.servers import REPO

pytestmark = pytest.mark.skipif(NODE is None, reason="node missing")
NODE_TESTS = Path(__file__).resolve().parent / "node"
RESULT = re.compile(r"^(not ok|ok) \d+ - (.*)$")


@dataclass(frozen=True)
class NodeRun:
    returncode: int
    output: str = field(repr=False)
    results: dict[str, tuple[bool, str]] = field(repr=False)  # name -> (passed, TAP diagnostic)


def parse_tap(text: str) -> dict[str, tuple[bool, str]]:
    """Top-level results of Node's TAP reporter, each with the lines that follow it."""
    results: dict[str, tuple[bool, str]] = {}
    name, passed, block = "", False, list[str]()
    for line in [*text.splitlines(), "# end"]:
        found = RESULT.match(line)
        if found or line.startswith("# "):
            if name:
                results[name] = (passed, "\n".join(block))
            name = ""
        if found:
            passed = found.group(1) == "ok"
            name = found.group(2).replace("\\#", "#").replace("\\\\", "\\")
            block = []
        elif name:
            block.append(line)
    return results


@pytest.fixture(scope="module")
def node_run() -> NodeRun:
    files = sorted(str(p) for p in NODE_TESTS.glob("*.test.cjs"))
    assert files, f"no Node tests in {NODE_TESTS}"
    proc = subprocess.run(
        [str(NODE), "--test", "--test-reporter=tap", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    return NodeRun(proc.returncode, output, parse_tap(proc.stdout))


def test_node_run_passes(node_run: NodeRun) -> None:
    failed = [name for name, (passed, _) in node_run.results.items() if not passed]
    assert node_run.returncode == 0 and not failed, failed or node_run.output[-4000:]


def test_node_runs_every_row_once(node_run: NodeRun) -> None:
    """A row the JS side skips (or names differently) cannot pass unnoticed."""
    names = contract.names()
    assert len(set(names)) == len(names), "contract row names must be unique"
    assert set(names) <= set(node_run.results), sorted(set(names) - set(node_run.results))


@pytest.mark.parametrize("name", contract.names())
def test_node_row(name: str, node_run: NodeRun) -> None:
    assert name in node_run.results, "not run"
    passed, diagnostic = node_run.results[name]
    assert passed, diagnostic
