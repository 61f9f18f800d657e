"""cloudexit_ci.manifest: build → encode (deterministic, the bytes render writes), lenient
and strict parsing, reading from a stack and at a git commit."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

import pytest

from cloudexit_ci import manifest
from cloudexit_ci.errors import ExternalError, UserError
from cloudexit_ci.manifest import MANIFEST_PATH, DataMove, FileEntry, Manifest
from cloudexit_ci.tree import sha256
from tests.servers import REPO

EXAMPLES = sorted(REPO.glob("examples/*/stack"))
ITEMS = DataMove("aws_dynamodb_table.items", "dynamodb", {"table": "items"},
                 {"endpoint": "http://scylladb:8000", "table": "items"})  # fmt: skip
UPLOADS = DataMove("aws_s3_bucket.up", "s3", {"bucket": "up"}, {"bucket": "up"})


def _build(files: Mapping[str, tuple[bytes, Sequence[str]]], plan: list[DataMove]) -> Manifest:
    return manifest.build(stack="s", terraform="tf", options={"domain": "a.example.com"},
                          files=files, data_plan=plan)  # fmt: skip


def test_sha256_is_the_hex_digest() -> None:
    assert sha256(b"abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.parametrize("stack", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_encode_gives_the_checked_in_bytes_back(stack: Path) -> None:
    """The examples' manifests were written by the renderer: parse + encode is the identity."""
    data = (stack / MANIFEST_PATH).read_bytes()
    parsed = manifest.parse(data)
    assert parsed.valid and parsed.files and parsed.options["domain"]
    assert manifest.encode(parsed) == data


def test_encode_is_independent_of_the_input_order() -> None:
    files = {f"f{i}.yml": (f"{i}".encode(), (f"aws_x.a{i}",)) for i in range(20)}
    plan = [ITEMS, UPLOADS, DataMove("aws_s3_bucket.a", "s3")]
    first = manifest.encode(_build(files, plan))
    pairs = list(files.items())
    for seed in range(5):
        random.Random(seed).shuffle(pairs)
        random.Random(seed).shuffle(plan)
        assert manifest.encode(_build(dict(pairs), plan)) == first
    document = json.loads(first)
    assert list(document) == ["generator", "stack", "terraform", "options", "files", "dataPlan"]
    assert list(document["files"]) == sorted(files)
    assert [m["address"] for m in document["dataPlan"]] == [
        "aws_dynamodb_table.items", "aws_s3_bucket.a", "aws_s3_bucket.up",
    ]  # fmt: skip
    assert document["files"]["f3.yml"] == {"sha256": sha256(b"3"), "sources": ["aws_x.a3"]}
    assert first.endswith(b"}\n") and b"\r" not in first


def test_round_trip_keeps_every_field() -> None:
    built = _build({"a.yml": (b"a", ("aws_x.a",))}, [ITEMS])
    again = manifest.parse(manifest.encode(built))
    assert again == built
    assert again.files == {PurePosixPath("a.yml"): FileEntry(sha256(b"a"), ("aws_x.a",))}
    assert again.data_plan == (ITEMS,)


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b"\xff\xfe", b'{"files": []}',
                                  b'{"files": {"a": {"sources": []}}}'])  # fmt: skip
def test_parse_is_lenient(data: bytes) -> None:
    parsed = manifest.parse(data)
    assert not parsed.valid and parsed.files == {}


def test_parse_reads_the_data_plan_of_a_manifest_without_files() -> None:
    plan = [ITEMS.to_json(), {"kind": "s3"}, "junk", UPLOADS.to_json()]
    parsed = manifest.parse(json.dumps({"dataPlan": plan}).encode())
    assert not parsed.valid
    assert parsed.data_plan == (ITEMS, UPLOADS)  # entries without an address are dropped
    assert manifest.parse(None) == Manifest() and Manifest().valid


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ("{not json", "m.json"),
        ("[]", "m.json"),
        ('{"files": {"a": 1}}', "m.json: files"),
        ('{"dataPlan": {}}', "m.json: dataPlan"),
        ('{"dataPlan": [{"kind": "s3", "address": "a"}, {"kind": "s3"}]}', "m.json: dataPlan[1]"),
        ('{"dataPlan": [{"address": "a"}]}', "m.json: dataPlan[0]"),
    ],
)
def test_parse_strict_names_the_file_and_key(document: str, where: str) -> None:
    with pytest.raises(UserError) as caught:
        manifest.parse_strict(document.encode(), "m.json")
    assert caught.value.where == where
    assert caught.value.hint is not None and "cloudexit-ci migrate" in caught.value.hint


def test_read_and_load_from_a_stack(tmp_path: Path) -> None:
    assert manifest.read(tmp_path) == Manifest()
    with pytest.raises(UserError, match="no manifest") as caught:
        manifest.load(tmp_path)
    assert caught.value.where == str(tmp_path / MANIFEST_PATH)
    (tmp_path / MANIFEST_PATH).parent.mkdir()
    (tmp_path / MANIFEST_PATH).write_bytes(manifest.encode(_build({}, [UPLOADS])))
    assert manifest.read(tmp_path).data_plan == manifest.load(tmp_path).data_plan == (UPLOADS,)


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


def test_at_ref_reads_the_committed_manifest(tmp_path: Path) -> None:
    stack = tmp_path / "infra" / "stack"
    (stack / MANIFEST_PATH).parent.mkdir(parents=True)
    first = manifest.encode(_build({}, [ITEMS]))
    (stack / MANIFEST_PATH).write_bytes(first)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "one")
    head = _git(tmp_path, "rev-parse", "HEAD")
    (stack / MANIFEST_PATH).write_bytes(manifest.encode(_build({}, [UPLOADS])))  # not committed
    assert manifest.at_ref(tmp_path, head, "infra/stack", flag="--base") == first
    assert manifest.at_ref(tmp_path, "HEAD", "other", flag="--base") is None  # a new stack
    with pytest.raises(UserError, match="is not a commit") as caught:
        manifest.at_ref(tmp_path, "0" * 40, "infra/stack", flag="--base")
    assert caught.value.where == "--base"


def test_at_ref_without_git_is_an_external_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ExternalError) as caught:
        manifest.at_ref(tmp_path, "HEAD", ".", flag="--base")
    assert caught.value.exit_code == 4
    assert caught.value.where is not None and caught.value.where.startswith("git ")
    assert "git is not installed" in caught.value.one_line()


def test_non_ascii_is_written_as_utf8_not_escaped() -> None:
    built = _build({"docs/café.md": (b"x", ("aws_s3_bucket.café",))}, [])
    data = manifest.encode(built)
    assert "docs/café.md".encode() in data and b"\\u00e9" not in data
    assert manifest.parse(data) == built


def test_routes_and_functions_round_trip_sorted() -> None:
    routes = [
        manifest.RouteEntry("POST", "/items", "create-item", "create-item"),
        manifest.RouteEntry("GET", "/items/{id}", "get-item", "api"),
        manifest.RouteEntry("GET", "/items/{id}", "get-item", "api"),  # once
    ]
    built = manifest.build(stack="s", terraform="tf", options={}, files={}, data_plan=[],
                           routes=routes, functions={"z": "api", "a": "api"})  # fmt: skip
    data = manifest.encode(built)
    document = json.loads(data)
    assert [r["method"] for r in document["routes"]] == ["GET", "POST"]
    assert list(document["functions"]) == ["a", "z"]
    assert manifest.parse(data) == built


def test_a_rendered_manifest_lists_the_served_routes_and_function_services() -> None:
    parsed = manifest.read(REPO / "examples" / "serverless-items" / "stack")
    assert manifest.RouteEntry("GET", "/items/{id}", "get-item", "get-item") in parsed.routes
    assert parsed.functions["list-items"] == "list-items"
    assert len(parsed.routes) == 5
