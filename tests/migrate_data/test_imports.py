"""migrate_data has no import cycle (issue 16: cqlrun ↔ runner shared a private function).

Lazy imports inside functions and ``if TYPE_CHECKING`` imports count as edges too: a
cycle hidden behind either is still a cycle for mypy and for the reader."""

from __future__ import annotations

from tests.test_architecture import cycles, imports, modules

PREFIX = "cloudexit_ci.migrate_data"


def test_no_import_cycle_in_migrate_data() -> None:
    known = {n: p for n, p in modules().items() if n.startswith(PREFIX)}
    graph = {
        name: {i for i in imports(path, typing_only=True) if i in known and i != name}
        for name, path in known.items()
    }
    assert cycles(graph) == []


def test_the_cql_job_does_not_import_the_runner() -> None:
    found = imports(modules()[f"{PREFIX}.cqlrun"], typing_only=True)
    assert f"{PREFIX}.runner" not in found
