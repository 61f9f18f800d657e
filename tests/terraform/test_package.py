"""The terraform package's shape: modules import in one direction, short functions and modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cloudexit_ci" / "terraform"
MODULES = sorted(PACKAGE.glob("*.py"))


def _imports(path: Path) -> set[str]:
    """Sibling modules ``path`` imports at run time, at the top or inside a function
    (``if TYPE_CHECKING:`` imports are for annotations only)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("cloudexit_ci.terraform."):
                found.add(node.module.rsplit(".", 1)[1])
            elif node.module == "cloudexit_ci.terraform":
                found.update(alias.name for alias in node.names)
    return found - {path.stem}


def test_modules_import_in_one_direction() -> None:
    graph = {p.stem: _imports(p) for p in MODULES}
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 1:
            pytest.fail("import cycle: " + " -> ".join([*trail, name]))
        if state.get(name) == 2:
            return
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            visit(target, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        visit(name, [])
    assert graph["templates"] <= {"ast"}
    assert "jsonsyntax" not in graph["parse"] and "parse" in graph["jsonsyntax"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_and_function_length(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= 400
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= 60, f"{node.name} is {length} lines"
