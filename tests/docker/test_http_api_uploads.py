"""examples/http-api-uploads in the real Docker Engine: HTTP API (payload 2.0) through the
Traefik container, four Python function containers, binary bodies to the MinIO stand-in,
notes through a DynamoDB GSI (ScyllaDB stand-in), CORS answered by Traefik."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest

from tests.docker.checks import (
    assert_all_up,
    assert_down_clean,
    assert_healthchecked,
    assert_smoke_passes,
)
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "http-api-uploads"
HOST = "files.example.com"
BUCKET = "uploads-dev-files"
FUNCTIONS = {f"uploads-dev-{n}" for n in ("upload-file", "download-file", "put-note", "list-notes")}
# Runs inside a function container (its boto3, its credentials, the compose network).
STORED = """
import boto3, hashlib, os, sys
s3 = boto3.client("s3")
body = s3.get_object(Bucket=os.environ["BUCKET_NAME"], Key=sys.argv[1])["Body"].read()
status = s3.get_bucket_versioning(Bucket=os.environ["BUCKET_NAME"]).get("Status")
print(hashlib.sha256(body).hexdigest(), status)
"""


def test_every_service_healthy_and_init_jobs_done(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot={"dynamodb-init", "s3-init"})
    assert_healthchecked(compose_stack, FUNCTIONS | {"traefik", "scylladb", "minio"})


def test_binary_upload_and_download_keep_every_byte(compose_stack: ComposeStack) -> None:
    binary_round_trip(compose_stack, "uploads-dev-download-file")


def binary_round_trip(stack: ComposeStack, function_service: str) -> None:
    """PUT then GET a binary body through Traefik; the stored bytes checked from inside
    ``function_service`` (its boto3 and credentials), with the bucket's versioning."""
    blob = os.urandom(300_000) + bytes(range(256))  # every byte value, not valid UTF-8
    digest = hashlib.sha256(blob).hexdigest()
    octets = {"Content-Type": "application/octet-stream"}
    put = stack.request("PUT", "/files/blob.bin", HOST, blob, octets)
    assert put.status == 201, put.body
    assert put.json() == {
        "key": "blob.bin",
        "size": len(blob),
        "contentType": octets["Content-Type"],
    }

    got = stack.request("GET", "/files/blob.bin", HOST)
    assert got.status == 200 and got.headers["content-type"] == "application/octet-stream"
    assert hashlib.sha256(got.body).hexdigest() == digest

    stored = stack.exec(function_service, "python", "-c", STORED, "blob.bin").split()
    assert stored == [digest, "Enabled"]  # the bytes in the object store; versioning from init
    assert stack.request("GET", "/files/missing.bin", HOST).status == 404


def test_notes_by_owner_through_the_gsi_newest_first(compose_stack: ComposeStack) -> None:
    notes_newest_first(compose_stack)


def notes_newest_first(compose_stack: ComposeStack) -> None:
    owner = f"ann-{time.time_ns()}"
    created = []
    for text in ("first", "second", "third"):
        body = json.dumps({"owner": owner, "text": text}).encode()
        reply = compose_stack.request(
            "POST", "/notes", HOST, body, {"Content-Type": "application/json"}
        )
        assert reply.status == 201, reply.body
        created.append(reply.json())
        time.sleep(0.005)  # distinct createdAt (ms)
    listed = compose_stack.request("GET", f"/notes/by-owner/{owner}", HOST)
    assert listed.status == 200, listed.body
    assert [n["text"] for n in listed.json()["notes"]] == ["third", "second", "first"]


def test_cors_preflight_answered_by_traefik(compose_stack: ComposeStack) -> None:
    headers = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
    }
    reply = compose_stack.request("OPTIONS", "/files/x", HOST, headers=headers)
    assert reply.status in (200, 204)
    assert reply.headers.get("access-control-allow-origin") == "https://app.example.com"


def test_cloudexit_smoke(compose_stack: ComposeStack) -> None:
    assert_smoke_passes(compose_stack)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
