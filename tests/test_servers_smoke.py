from __future__ import annotations

import boto3


def test_dynamodb_local_answers(dynamodb_endpoint: str) -> None:
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    assert "TableNames" in client.list_tables()


def test_seaweedfs_round_trip(s3_endpoint: str) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="smoke")
    client.put_object(Bucket="smoke", Key="a/b.txt", Body=b"hello")
    assert client.get_object(Bucket="smoke", Key="a/b.txt")["Body"].read() == b"hello"
