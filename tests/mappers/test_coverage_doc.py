from __future__ import annotations

from cloudexit_ci import coverage_doc
from cloudexit_ci.mappers.registry import MAPPERS


def test_coverage_doc_is_current() -> None:
    assert coverage_doc.main(["--check"]) == 0, "run `python -m cloudexit_ci.coverage_doc`"


def test_every_registered_type_is_listed() -> None:
    text = coverage_doc.render()
    assert all(f"`{t}`" in text for t in MAPPERS)
