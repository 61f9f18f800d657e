"""The generated scripts/migrate-*.sh are thin wrappers that really move the data.

Source: one DynamoDB Local (standing in for AWS) and SeaweedFS; target: a second
DynamoDB Local (standing in for Alternator) and another bucket on SeaweedFS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3

from cloudexit_ci.main import main
from tests import servers

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"


def _env(tmp: Path) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "XDG_CACHE_HOME": str(tmp / "cache")}


def test_generated_dynamodb_script_copies_the_table(tmp_path: Path) -> None:
    """Own servers: the plan's table names are fixed, the session's servers are shared."""
    out = tmp_path / "stack"
    assert main(["migrate", str(EXAMPLE), "--output", str(out)]) == 0
    with servers.dynamodb_local() as source_url, servers.dynamodb_local() as target_url:
        _copy_table(tmp_path, out, source_url, target_url)


def _copy_table(tmp_path: Path, out: Path, source_url: str, target_url: str) -> None:
    source = boto3.client("dynamodb", endpoint_url=source_url)
    source.create_table(
        TableName="items",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    for i in range(60):
        source.put_item(TableName="items", Item={"id": {"S": f"i{i}"}, "n": {"N": f"{i}.50"}})
    done = subprocess.run(
        [
            "sh", str(out / "scripts" / "migrate-dynamodb.sh"),
            "--source-endpoint", source_url,
            "--target-endpoint-override", f"scylladb={target_url}",
            "--state-dir", str(tmp_path / "state"), "--verify", "full",
        ],
        env=_env(tmp_path), capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    target = boto3.client("dynamodb", endpoint_url=target_url)
    copied = target.scan(TableName="items")["Items"]
    original = source.scan(TableName="items")["Items"]
    assert len(copied) == 60
    assert sorted(copied, key=lambda i: i["id"]["S"]) == sorted(
        original, key=lambda i: i["id"]["S"]
    )


def test_generated_s3_script_copies_the_bucket(tmp_path: Path) -> None:
    out = tmp_path / "stack"
    assert main(["migrate", str(EXAMPLE), "--output", str(out), "--object-store", "seaweedfs"]) == 0
    with servers.seaweedfs() as s3_endpoint, servers.seaweedfs() as target_url:
        source = boto3.client("s3", endpoint_url=s3_endpoint)
        source.create_bucket(Bucket="items-uploads")
        for i in range(12):
            source.put_object(Bucket="items-uploads", Key=f"k/{i}", Body=b"x" * i)
        done = subprocess.run(
            [
                "sh", str(out / "scripts" / "migrate-s3.sh"),
                "--source-endpoint", s3_endpoint,
                "--target-endpoint-override", f"seaweedfs={target_url}",
                "--state-dir", str(tmp_path / "state"), "--verify", "full",
            ],
            env=_env(tmp_path), capture_output=True, text=True, check=False, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        target = boto3.client("s3", endpoint_url=target_url)
        listed = target.list_objects_v2(Bucket="items-uploads")["Contents"]
    assert sorted((o["Key"], o["Size"]) for o in listed) == sorted((f"k/{i}", i) for i in range(12))
