"""`cloudexit-ci inventory --format json`: one object per resource, with where and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = "") -> None:
    (tmp_path / ".cloudexit.yml").write_text(
        "stacks:\n"
        f"  - name: items\n    terraform: {REPO}/examples/serverless-items/terraform\n"
        f"    output: out/items\n{extra}"
        f"  - name: uploads\n    terraform: {REPO}/examples/http-api-uploads/terraform\n"
        "    output: out/uploads\n"
    )
    monkeypatch.chdir(tmp_path)
    for name in ("CLOUDEXIT_DYNAMODB_MODE", "CLOUDEXIT_OBJECT_STORE"):
        monkeypatch.delenv(name, raising=False)


def test_without_terraform_dir_every_stack_of_the_config_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, monkeypatch)
    assert main(["inventory", "--format", "json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert {e["stack"] for e in entries} == {"items", "uploads"}
    assert all(set(e) >= REQUIRED | {"stack"} for e in entries)
    assert main(["inventory"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "stack items:" and "stack uploads:" in out


def test_a_single_stack_has_no_stack_field(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _inventory(capsys, str(REPO / "examples" / "serverless-items" / "terraform"))
    assert all("stack" not in e for e in entries)


def _table(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    assert main(["inventory", "--format", "json", *argv]) == 0
    entries = json.loads(capsys.readouterr().out)
    return {str(e["address"]): e for e in entries if e.get("stack", "items") == "items"}


def test_generate_options_apply_from_the_flags_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table, bucket = "aws_dynamodb_table.items", "aws_s3_bucket.uploads"
    _project(tmp_path, monkeypatch, "    dynamodb-mode: cql\n")
    entries = _table(capsys)
    assert entries[table]["status"] == "partial"  # cql mode: the DynamoDB API is lost
    assert entries[bucket]["reason"] == "minio bucket `items-uploads`"
    assert _table(capsys, "--dynamodb-mode", "alternator")[table]["status"] == "mapped"
    monkeypatch.setenv("CLOUDEXIT_OBJECT_STORE", "seaweedfs")
    assert _table(capsys)[bucket]["reason"] == "seaweedfs bucket `items-uploads`"
    assert _table(capsys, "--object-store", "minio")[bucket]["reason"].startswith("minio")
    direct = str(REPO / "examples" / "serverless-items" / "terraform")
    assert _table(capsys, direct, "--dynamodb-mode", "cql")[table]["status"] == "partial"
