"""Jobs from a stack's manifest: a broken data-plan entry is a user error naming the
manifest file and the entry (read through cloudexit_ci.manifest, strictly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.main import main
from cloudexit_ci.manifest import MANIFEST_PATH
from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.plan import BucketJob, TableJob, stack_jobs

GOOD: dict[str, Any] = {
    "kind": "dynamodb", "address": "aws_dynamodb_table.items", "source": {"table": "items"},
    "target": {"table": "items", "service": "scylladb", "endpoint": "http://scylladb:8000"},
}  # fmt: skip


def _stack(root: Path, plan: object) -> Path:
    path = root / MANIFEST_PATH
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"files": {}, "dataPlan": plan}))
    return root


def test_jobs_from_the_manifest_with_overrides(tmp_path: Path) -> None:
    target = {"bucket": "b2", "service": "seaweedfs", "endpoint": "http://sw:8333"}
    bucket = {
        "kind": "s3",
        "address": "aws_s3_bucket.b",
        "source": {"bucket": "b"},
        "target": target,
    }
    stack = _stack(tmp_path, [GOOD, bucket])
    jobs = stack_jobs(stack, [], Endpoint(), Endpoint(), {"scylladb": "http://127.0.0.1:1"})
    assert jobs == [
        TableJob("aws_dynamodb_table.items", "items", "items",
                 target=Endpoint(url="http://127.0.0.1:1")),
        BucketJob("aws_s3_bucket.b", "b", "b2", target=Endpoint(url="http://sw:8333"),
                  target_kind="seaweedfs"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("plan", "where", "words"),
    [
        ([GOOD, {**GOOD, "target": {"table": "t"}}], "dataPlan[1]", "missing target.endpoint"),
        ([{**GOOD, "kind": "mysql"}], "dataPlan[0]", "unknown kind 'mysql'"),
        ([{"kind": "s3"}], "dataPlan[0]", "address"),
        ({"a": 1}, "dataPlan", "not a list"),
    ],
)
def test_a_broken_entry_names_the_manifest_and_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: object, where: str, words: str
) -> None:
    stack = _stack(tmp_path, plan)
    assert main(["migrate-data", "--stack", str(stack), "--dry-run"]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert f"{stack / MANIFEST_PATH}: {where}:" in line and words in line, line


def test_the_source_region_terraform_recorded_unless_the_flag_says(tmp_path: Path) -> None:
    """A move generated with --terraform-json carries the source's region (and where the
    name came from): migrate-data reads it there unless --source-region is given."""
    moved = {**GOOD, "source": {"table": "items", "origin": "terraform-json",
                                "region": "eu-west-1"}}  # fmt: skip
    stack = _stack(tmp_path, [moved])
    (job,) = stack_jobs(stack, [], Endpoint(), Endpoint(), {})
    assert job.source == Endpoint(region="eu-west-1")
    (job,) = stack_jobs(stack, [], Endpoint(region="us-east-2"), Endpoint(), {})
    assert job.source == Endpoint(region="us-east-2")
