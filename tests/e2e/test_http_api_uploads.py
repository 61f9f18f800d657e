"""examples/http-api-uploads: HTTP API v2, Python 3.12 boto3 handlers, S3 binary objects
and a DynamoDB GSI; the generated stack run for real (object store: SeaweedFS)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator

import boto3
import pytest

from tests.e2e import stack as e2e
from tests.servers import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
EXAMPLE = REPO / "examples" / "http-api-uploads" / "terraform"
BUCKET = "uploads-dev-files"


@pytest.fixture(scope="module")
def uploads(
    tmp_path_factory: pytest.TempPathFactory, endpoints: e2e.Endpoints
) -> Iterator[e2e.Stack]:
    tmp = tmp_path_factory.mktemp("uploads")
    with e2e.running(EXAMPLE, tmp, endpoints, "files.uploads.test") as stack:
        yield stack


def test_init_created_bucket_with_versioning(uploads: e2e.Stack, endpoints: e2e.Endpoints) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoints.s3, region_name="us-east-1")
    assert s3.get_bucket_versioning(Bucket=BUCKET).get("Status") == "Enabled"


def test_binary_upload_and_download_keep_every_byte(
    uploads: e2e.Stack, endpoints: e2e.Endpoints
) -> None:
    blob = os.urandom(300_000) + bytes(range(256))  # every byte value, not valid UTF-8
    digest = hashlib.sha256(blob).hexdigest()
    headers = [("Content-Type", "application/octet-stream")]
    put = uploads.request("PUT", "/files/blob.bin", headers, blob)
    assert put.status == 201, put.body
    assert put.json() == {
        "key": "blob.bin",
        "size": len(blob),
        "contentType": "application/octet-stream",
    }
    stored = boto3.client("s3", endpoint_url=endpoints.s3, region_name="us-east-1").get_object(
        Bucket=BUCKET, Key="blob.bin"
    )
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == digest

    got = uploads.request("GET", "/files/blob.bin")
    assert got.status == 200
    assert got.all("content-type") == ["application/octet-stream"]
    assert hashlib.sha256(got.body).hexdigest() == digest

    png = b"\x89PNG\r\n\x1a\n" + os.urandom(1000)
    assert (
        uploads.request("PUT", "/files/a.png", [("Content-Type", "image/png")], png).status == 201
    )
    back = uploads.request("GET", "/files/a.png")
    assert back.body == png and back.all("content-type") == ["image/png"]
    assert uploads.request("GET", "/files/missing.bin").status == 404


def test_text_upload_is_not_base64(uploads: e2e.Stack) -> None:
    text = "héllo, wörld\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    assert uploads.request("PUT", "/files/note.txt", headers, text).status == 201
    assert uploads.request("GET", "/files/note.txt").body == text


def test_notes_by_owner_through_the_gsi_newest_first(uploads: e2e.Stack) -> None:
    owner = f"ann-{time.time_ns()}"
    created = []
    for text in ("first", "second", "third"):
        body = json.dumps({"owner": owner, "text": text}).encode()
        resp = uploads.request("POST", "/notes", [("Content-Type", "application/json")], body)
        assert resp.status == 201, resp.body
        created.append(resp.json())
        time.sleep(0.005)  # distinct createdAt (ms)
    listed = uploads.request("GET", f"/notes/by-owner/{owner}")
    assert listed.status == 200 and listed.all("content-type") == ["application/json"]
    data = listed.json()
    assert data["owner"] == owner
    assert [n["text"] for n in data["notes"]] == ["third", "second", "first"]
    assert data["notes"][0] == created[-1]  # numbers came back as JSON numbers
    bad = uploads.request("POST", "/notes", [("Content-Type", "application/json")], b"[]")
    assert bad.status == 400


def test_cors_preflight_answered_by_traefik(uploads: e2e.Stack) -> None:
    headers = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Headers", "content-type"),
    ]
    resp = uploads.request("OPTIONS", "/files/x", headers)
    assert resp.status in (200, 204)
    assert resp.all("access-control-allow-origin") == ["https://app.example.com"]
    simple = uploads.request("GET", "/files/missing", [("Origin", "https://app.example.com")])
    assert simple.all("access-control-allow-origin") == ["https://app.example.com"]
