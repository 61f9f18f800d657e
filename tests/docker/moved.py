"""What both live ``migrate-data --stack`` tests (Swarm, Kubernetes pods) share: an AWS
stand-in (moto's server) on the stack's network seeded with serverless-items' table (40
items) and bucket (3 objects), the copy itself (the data plan's targets as generated, no
override, verified in full), and readers of the targets. All run as containers through
tests/docker/hostpython.py."""

from __future__ import annotations

from pathlib import Path

from tests.docker import hostpython
from tests.docker.images import docker

ITEMS, OBJECTS = 40, 3
SEED = """
import sys, time, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
for _ in range(120):
    try:
        ddb = boto3.client("dynamodb", **kw); ddb.list_tables(); break
    except Exception:
        time.sleep(0.5)
ddb.create_table(TableName="items", BillingMode="PAY_PER_REQUEST",
                 KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
for i in range(int(sys.argv[2])):
    ddb.put_item(TableName="items", Item={"id": {"S": f"moved-{i}"},
                 "name": {"S": f"from aws {i}"}, "userId": {"S": "u-moved"}})
s3 = boto3.client("s3", **kw)
s3.create_bucket(Bucket="items-uploads")
for i in range(int(sys.argv[3])):
    s3.put_object(Bucket="items-uploads", Key=f"moved/{i}.txt", Body=f"object {i}".encode())
"""
READ_TARGETS = """
import boto3, os
kw = dict(region_name="us-east-1", aws_access_key_id=os.environ["S3_ROOT_USER"],
          aws_secret_access_key=os.environ["S3_ROOT_PASSWORD"])
ddb = boto3.client("dynamodb", endpoint_url="http://scylladb:8000", **kw)
items = ddb.scan(TableName="items")["Items"]
print(sum(i["id"]["S"].startswith("moved-") for i in items), "items")
s3 = boto3.client("s3", endpoint_url="http://minio:9000", **kw)
for o in s3.list_objects_v2(Bucket="items-uploads", Prefix="moved/")["Contents"]:
    print(o["Key"], s3.get_object(Bucket="items-uploads", Key=o["Key"])["Body"].read().decode())
"""
EXPECTED = [f"{ITEMS} items", *(f"moved/{i}.txt object {i}" for i in range(OBJECTS))]


def move(image: str, network: str, stack: Path, values: dict[str, str], prefix: str) -> str:
    """Start and seed the AWS stand-in ``<prefix>-aws``, run ``migrate-data --stack``;
    return what it printed. The stand-in is removed afterwards."""
    source = f"{prefix}-aws"
    docker("rm", "-f", source, check=False)
    server = ["-m", "moto.server", "-H", "0.0.0.0", "-p", "5000"]
    started = hostpython.python(image, network, source, server, detach=True)
    assert started.returncode == 0, started.stderr
    try:
        endpoint = f"http://{source}:5000"
        seed = ["-c", SEED, endpoint, str(ITEMS), str(OBJECTS)]
        seeded = hostpython.python(image, network, f"{prefix}-seed", seed)
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        args = ["-m", "cloudexit_ci", "migrate-data", "--stack", "/stack",
                "--source-endpoint", endpoint,
                "--source-access-key-env", "SOURCE_KEY_ID",
                "--source-secret-key-env", "SOURCE_SECRET",
                "--target-access-key-env", "S3_ROOT_USER",
                "--target-secret-key-env", "S3_ROOT_PASSWORD",
                "--state-dir", "/tmp/state", "--verify", "full", "--progress", "plain"]  # fmt: skip
        env = {"SOURCE_KEY_ID": "testing", "SOURCE_SECRET": "testing"} | values
        moved = hostpython.python(image, network, f"{prefix}-migrate", args, env=env,
                                  mounts={stack: "/stack"})  # fmt: skip
        assert moved.returncode == 0, moved.stdout[-3000:] + moved.stderr[-3000:]
        return moved.stdout + moved.stderr
    finally:
        docker("rm", "-f", source, check=False)


def read_targets(image: str, network: str, values: dict[str, str], prefix: str) -> list[str]:
    """What the stack's ScyllaDB and MinIO hold of the moved data, as EXPECTED lists it."""
    done = hostpython.python(image, network, f"{prefix}-read", ["-c", READ_TARGETS], env=values)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().split("\n")
