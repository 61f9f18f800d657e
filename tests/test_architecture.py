"""The pipeline flows one way (DESIGN, issue 16): each layer imports only what is below it,
no module-level import cycle exists, only render/traefik.py writes Traefik configuration,
and modules and functions stay small. Imports are read from the source (every import,
lazy ones inside functions and ``TYPE_CHECKING`` ones included)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import REPO

PACKAGE = REPO / "cloudexit_ci"
P = "cloudexit_ci"

# layer → packages/modules it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    f"{P}.terraform": (
        f"{P}.mappers", f"{P}.targets", f"{P}.render", f"{P}.convert", f"{P}.pipeline",
        f"{P}.commands",
    ),
    f"{P}.mappers": (
        f"{P}.targets", f"{P}.render", f"{P}.convert", f"{P}.pipeline", f"{P}.commands",
        f"{P}.reporters", f"{P}.migrate_data",
    ),
    f"{P}.targets": (
        f"{P}.terraform", f"{P}.mappers", f"{P}.render", f"{P}.convert", f"{P}.pipeline",
        f"{P}.commands",
    ),
    f"{P}.render": (
        f"{P}.terraform", f"{P}.mappers", f"{P}.targets", f"{P}.convert", f"{P}.pipeline",
        f"{P}.commands",
    ),
}  # fmt: skip
# the IR knows nothing but itself
IR_MODULES = (f"{P}.stack", f"{P}.values", f"{P}.apiauth")
TRAEFIK_WORDS = ("entryPoints", "loadBalancer", "certResolver", "PathRegexp(", "PathPrefix(",
                 "HostRegexp(", "Host(`", "passHostHeader")  # fmt: skip
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module under ``root``; not in hidden directories (bench/.work holds the
    real-Terraform corpus, others' code)."""
    found = sorted(root.rglob("*.py"))
    return {
        module_name(p): p
        for p in found
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(path: Path, *, typing_only: bool = True) -> set[str]:
    """Every cloudexit_ci module ``path`` imports (``from a import b``: ``a.b`` if a module),
    lazy imports inside functions included; ``typing_only=False`` skips ``if TYPE_CHECKING``."""
    known = modules()
    current = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in _walk(tree, typing_only):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, current, path.name == "__init__.py")
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
    return {name for name in found if name == P or name.startswith(P + ".")}


def _walk(tree: ast.AST, typing_only: bool) -> Iterator[ast.AST]:
    """All nodes; without ``typing_only``, not the ``if TYPE_CHECKING`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            typing = isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            if typing_only or not typing:
                stack.append(child)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


LAYERED = [(name, path) for name, path in modules().items() if name.count(".") >= 1]


@pytest.mark.parametrize(("name", "path"), LAYERED, ids=[n for n, _ in LAYERED])
def test_layer_imports_only_downwards(name: str, path: Path) -> None:
    for layer, forbidden in FORBIDDEN.items():
        if _within(name, layer):
            bad = sorted(i for i in imports(path) if any(_within(i, f) for f in forbidden))
            assert not bad, f"{name} (layer {layer}) imports {bad}"


@pytest.mark.parametrize("name", IR_MODULES)
def test_the_ir_imports_only_itself(name: str) -> None:
    found = imports(modules()[name])
    assert found <= set(IR_MODULES), f"{name} imports {sorted(found - set(IR_MODULES))}"


def import_graph() -> dict[str, set[str]]:
    """Module → the modules it imports at run time (lazy imports are edges too)."""
    known = modules()
    return {
        name: {i for i in imports(path, typing_only=False) if i in known and i != name}
        for name, path in known.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    graph = import_graph()
    # a package importing its own submodules (registries, re-exports) is not a cycle
    for name in graph:
        graph[name] = {i for i in graph[name] if not _within(i, name) and not _within(name, i)}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _strings(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def test_only_render_traefik_writes_traefik_config() -> None:
    writers = {
        name
        for name, path in modules().items()
        if any(word in text for text in _strings(path) for word in TRAEFIK_WORDS)
    }
    assert writers == {f"{P}.render.traefik"}


SIZED = [*modules().items(), *modules(REPO / "bench").items()]


@pytest.mark.parametrize(("name", "path"), SIZED, ids=[n for n, _ in SIZED])
def test_modules_and_functions_are_small(name: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{name}: {text.count(chr(10))} lines"
    long = [
        f"{node.name} ({(node.end_lineno or 0) - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{name}: {', '.join(long)}"
