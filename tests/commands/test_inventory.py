"""`cloudexit-ci inventory --format json`: one object per resource, with where and why."""

from __future__ import annotations

import json

import pytest

from cloudexit_ci.main import main
from tests.servers import REPO

FIXTURES = REPO / "tests" / "fixtures" / "terraform"
REQUIRED = {"address", "type", "status", "reason", "file", "line"}
STATUSES = {"mapped", "partial", "inferred", "not-needed", "unmapped", "unresolved", "note"}


def _inventory(capsys: pytest.CaptureFixture[str], directory: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["inventory", directory, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list)
    return data


@pytest.mark.parametrize(
    "directory",
    [
        "examples/serverless-items/terraform",
        "examples/http-api-uploads/terraform",
        "tests/fixtures/terraform/loader",
        "tests/fixtures/terraform/mappers/not_needed",
    ],
)
def test_every_entry_has_the_required_fields(
    capsys: pytest.CaptureFixture[str], directory: str
) -> None:
    for entry in _inventory(capsys, str(REPO / directory)):
        assert set(entry) >= REQUIRED, entry
        assert entry["status"] in STATUSES
        assert isinstance(entry["line"], int) and entry["line"] > 0
        assert str(entry["file"]).startswith(directory + "/"), entry
        assert entry["reason"]


def test_statuses_across_the_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    seen = set()
    for directory in ("mappers/not_needed", "mappers/s3", "table", "loader"):
        seen |= {str(e["status"]) for e in _inventory(capsys, str(FIXTURES / directory))}
    seen |= {
        str(e["status"])
        for e in _inventory(capsys, str(REPO / "examples" / "serverless-items" / "terraform"))
    }
    assert seen == STATUSES


def test_unknown_resource_types_are_unmapped_entries(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _inventory(capsys, str(FIXTURES / "mappers" / "not_needed"))
    mystery = [e for e in entries if e["address"] == "aws_quantum_ledger.mystery"]
    assert mystery == [
        {
            "address": "aws_quantum_ledger.mystery",
            "type": "aws_quantum_ledger",
            "status": "unmapped",
            "reason": "no mapping for aws_quantum_ledger yet",
            "file": "tests/fixtures/terraform/mappers/not_needed/main.tf",
            "line": 26,
            "service": None,
            "lost": [],
            "blocking": False,
        }
    ]


def test_inferred_routes_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _inventory(capsys, str(REPO / "examples" / "serverless-items" / "terraform"))
    inferred = sorted(
        str(e["reason"]).split(" → ")[0] for e in entries if e["status"] == "inferred"
    )
    assert inferred == [
        "DELETE /items/{id}", "GET /items", "GET /items/{id}", "POST /items", "PUT /items/{id}",
    ]  # fmt: skip


def test_text_format_lists_status_address_and_where(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inventory", str(FIXTURES / "table")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == [
        "partial",
        "aws_dynamodb_table.orders",
        "tests/fixtures/terraform/table/main.tf:1",
    ]
    assert "point-in-time recovery" in out[0]
