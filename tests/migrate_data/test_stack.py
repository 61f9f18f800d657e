"""Stack-driven runs (the manifest's dataPlan), --dry-run, --emit, and CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudexit_ci import yamlio
from cloudexit_ci.main import main
from tests.migrate_data.helpers import (
    by_key,
    create_table,
    ddb,
    edge_items,
    name,
    put_all,
    s3,
    scan_all,
)


def _stack(root: Path, table: str, bucket: str) -> Path:
    plan = [
        {"kind": "dynamodb", "address": "aws_dynamodb_table.items",
         "source": {"table": table},
         "target": {"table": table + "-copy", "service": "scylladb",
                    "endpoint": "http://scylladb:8000", "mode": "alternator"}},
        {"kind": "dynamodb", "address": "aws_dynamodb_table.t", "source": {"table": "t"},
         "target": {"mode": "cql", "keyspace": "app", "table": "t", "service": "scylladb",
                    "hosts": "scylladb"}},
        {"kind": "s3", "address": "aws_s3_bucket.uploads", "source": {"bucket": bucket},
         "target": {"bucket": bucket + "-copy", "service": "minio",
                    "endpoint": "http://minio:9000"}},
    ]  # fmt: skip
    manifest = root / "out" / ".cloudexit" / "manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(
        json.dumps({"generator": "cloudexit-ci 0.1.0", "files": {}, "dataPlan": plan})
    )
    return root / "out"


def test_dry_run_prints_the_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _stack(tmp_path, "items", "uploads")
    assert main(["migrate-data", "--stack", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "plan: 3 job(s)" in text
    assert "aws_dynamodb_table.items: dynamodb table items (AWS) → alternator items-copy" in text
    assert "cql app.t (cql://scylladb)" in text
    assert "aws_s3_bucket.uploads: s3 bucket uploads (AWS) → minio uploads-copy" in text


@pytest.mark.servers
def test_stack_runs_selected_items_against_overridden_endpoints(
    dynamodb_endpoint: str, s3_endpoint: str, tmp_path: Path
) -> None:
    client, bucket_client = ddb(dynamodb_endpoint), s3(s3_endpoint)
    table, bucket = name("stk"), name("stk")
    create_table(client, table)
    put_all(client, table, edge_items())
    bucket_client.create_bucket(Bucket=bucket)
    bucket_client.put_object(
        Bucket=bucket, Key="a/b.json", Body=b"{}", ContentType="application/json",
        Metadata={"owner": "me"},
    )  # fmt: skip
    out = _stack(tmp_path, table, bucket)
    code = main(
        [
            "migrate-data", "--stack", str(out), "--state-dir", str(tmp_path / "state"),
            "--only", "aws_dynamodb_table.items", "--source-endpoint", dynamodb_endpoint,
            "--target-endpoint-override", f"scylladb={dynamodb_endpoint}", "--verify", "full",
            "--progress", "plain",
        ]
    )  # fmt: skip
    assert code == 0
    assert by_key(scan_all(client, table + "-copy")) == by_key(scan_all(client, table))
    code = main(
        [
            "migrate-data", "--stack", str(out), "--state-dir", str(tmp_path / "state"),
            "--only", "aws_s3_bucket.uploads", "--source-endpoint", s3_endpoint,
            "--target-endpoint-override", f"minio={s3_endpoint}", "--verify", "full",
            "--progress", "none",
        ]
    )  # fmt: skip
    assert code == 0
    got = bucket_client.get_object(Bucket=bucket + "-copy", Key="a/b.json")
    assert got["ContentType"] == "application/json" and got["Metadata"] == {"owner": "me"}


def test_emit_spark_and_rclone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _stack(tmp_path, "items", "uploads")
    args = ["migrate-data", "--stack", str(out), "--emit", "spark", "--emit-dir", str(tmp_path)]
    assert main([*args, "--only", "aws_dynamodb_table.items", "--segments", "16"]) == 0
    text = capsys.readouterr().out
    assert "spark-submit --class com.scylladb.migrator.Migrator" in text
    config = yamlio.load((tmp_path / "scylla-migrator-items.yaml").read_text())
    assert config["source"]["type"] == "dynamodb" and config["source"]["table"] == "items"
    assert config["source"]["scanSegments"] == 16
    assert config["target"] == {
        "type": "alternator", "table": "items-copy", "region": "us-east-1",
        "endpoint": {"host": "http://scylladb", "port": 8000}, "streamChanges": False,
    }  # fmt: skip
    assert config["savepoints"]["path"] == "/app/savepoints"
    assert main(["migrate-data", "--stack", str(out), "--emit", "rclone"]) == 0
    text = capsys.readouterr().out
    assert "rclone sync src:uploads dst:uploads-copy --checksum" in text
    assert "RCLONE_CONFIG_DST_ENDPOINT=http://minio:9000" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate-data"],
        ["migrate-data", "dynamodb", "--target-endpoint", "http://x"],
        ["migrate-data", "--stack", "/nonexistent"],
        ["migrate-data", "s3", "--source-bucket", "b", "--target-endpoint", "http://x"],
        ["migrate-data", "--stack", "/nonexistent", "--target-endpoint-override", "bad"],
    ],
)
def test_user_errors_are_one_line_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err


def test_importing_the_command_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, cloudexit_ci.commands.migrate_data; "
        "bad = [m for m in ('boto3', 'botocore', 'cassandra') if m in sys.modules]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_invalid_keys_are_reported_before_copying() -> None:
    from cloudexit_ci.migrate_data.s3keys import invalid_reason

    assert invalid_reason("a" * 1025, 1, "s3") is not None
    assert invalid_reason("a//b", 1, "minio") is not None
    assert invalid_reason("a/../b", 1, "minio") is not None
    assert invalid_reason("dir/", 0, "minio") is None
    assert invalid_reason("dir/", 5, "minio") is not None
    assert invalid_reason("ok/key ü.txt", 5, "minio") is None
