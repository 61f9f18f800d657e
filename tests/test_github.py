"""cloudexit_ci.github and the sticky plan: marker, rate limits, outputs, merge events."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudexit_ci.commands.comment import marker_line, plan_sticky
from cloudexit_ci.errors import UserError
from cloudexit_ci.github import (
    Comment,
    Marker,
    changed_stacks,
    graphql_url,
    merge_range,
    parse_marker,
    rate_limit_wait,
    write_outputs,
)
from tests.action_helpers import Runner
from tests.github_standin import GitHubStandIn

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "github"


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as standin:
        yield standin


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        ('<!-- cloudexit-ci: {"stack": "prod", "v": 1} -->', Marker("prod")),
        ('<!-- cloudexit-ci: {"stack": "p", "drift": false, "unmapped": 0} -->',
         Marker("p", False, 0)),
        ('<!-- cloudexit-ci: {"stack": "p", "drift": "no", "unmapped": true} -->', Marker("p")),
        ('<!-- cloudexit-ci: {"stack": 3} -->', None),
        ('<!-- cloudexit-ci: {"stack": "prod" -->', None),
        ('text <!-- cloudexit-ci: {"stack": "prod"} -->', None),
        ("<!-- infracost-comment -->", None),
    ],
)  # fmt: skip
def test_parse_marker(first_line: str, expected: Marker | None) -> None:
    assert parse_marker(first_line + "\nbody") == expected


def test_marker_only_on_the_first_line_and_escaped() -> None:
    assert parse_marker('# title\n<!-- cloudexit-ci: {"stack": "prod"} -->') is None
    line = marker_line("a-->b<c&")
    assert "-->b" not in line[:-3]
    assert parse_marker(line) == Marker("a-->b<c&")


def test_clean_needs_both_keys() -> None:
    assert Marker("p", False, 0).clean
    assert not Marker("p", False, None).clean
    assert not Marker("p", None, 0).clean


def test_rate_limit_wait() -> None:
    def response(status: int, headers: dict[str, str], message: str = "") -> httpx.Response:
        return httpx.Response(status, headers=headers, json={"message": message})

    assert rate_limit_wait(response(403, {"retry-after": "7"})) == 7.0
    assert rate_limit_wait(response(403, {}, "You have exceeded a secondary rate limit")) == 60.0
    reset = rate_limit_wait(response(403, {"x-ratelimit-remaining": "0",
                                           "x-ratelimit-reset": "1"}))  # fmt: skip
    assert reset == 0.0
    assert rate_limit_wait(response(403, {}, "Resource not accessible by integration")) is None


def test_graphql_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_GRAPHQL_URL", raising=False)
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql"


def test_write_outputs_uses_a_fresh_random_delimiter(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_outputs({"a": "one\ntwo", "b": ""}, str(target))
    lines = target.read_text().split("\n")
    assert lines[0].startswith("a<<ghadelimiter_") and lines[3] == lines[0][3:]
    assert lines[4].startswith("b<<ghadelimiter_") and lines[4][3:] != lines[0][3:]


def test_plan_sticky_behaviours() -> None:
    old = Comment(1, "IC_1", "old", "u1")
    assert plan_sticky([old], "old\n", "update", False, False).keep == old
    assert plan_sticky([], "new", "update", True, True).create is False
    assert plan_sticky([], "new", "update", True, False).create is True
    assert plan_sticky([old], "new", "update", True, True).update == old
    assert plan_sticky([old], "new", "hide-and-new", False, False).hide == (old,)


def test_merge_range_from_real_payloads() -> None:
    merged = json.loads((FIXTURES / "pull_request.closed.merged.json").read_text())
    pr = merged["pull_request"]
    assert merge_range("pull_request", merged, "refs/pull/42/merge") == (
        pr["base"]["sha"], pr["merge_commit_sha"])  # fmt: skip
    opened = json.loads((FIXTURES / "pull_request.opened.json").read_text())
    assert merge_range("pull_request", opened, "refs/pull/42/merge") is None
    push = json.loads((FIXTURES / "push.json").read_text())
    assert merge_range("push", push, "refs/heads/main") == (push["before"], push["after"])
    assert merge_range("push", push, "refs/heads/feature") is None


def test_changed_stacks_compares_the_data_plan(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@e", "PATH": "/usr/bin:/bin"}  # fmt: skip
        done = subprocess.run(["git", "-C", str(tmp_path), *args], env=env, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout.strip()

    def commit(plans: dict[str, list[str]]) -> str:
        for stack, plan in plans.items():
            path = tmp_path / stack / ".cloudexit" / "manifest.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            moves = [
                {
                    "kind": "s3",
                    "address": f"aws_s3_bucket.{name}",
                    "source": {"bucket": name},
                    "target": {"bucket": name},
                }
                for name in plan
            ]
            path.write_text(json.dumps({"files": {"x": "1"}, "dataPlan": moves}))
        git("add", "-A")
        git("commit", "-q", "-m", "c")
        return git("rev-parse", "HEAD")

    git("init", "-q")
    first = commit({"prod": ["t1"], "staging": ["t1"]})
    second = commit({"prod": ["t1"], "staging": ["t1", "t2"], "new": ["b"]})
    assert changed_stacks(tmp_path, first, second) == ["new", "staging"]
    assert changed_stacks(tmp_path, "0" * 40, first) == ["prod", "staging"]
    with pytest.raises(UserError, match="not in the checkout") as caught:
        changed_stacks(tmp_path, "1" * 40, second)
    assert caught.value.hint is not None and "fetch-depth: 0" in caught.value.hint


def test_github_module_is_not_imported_by_the_cli_start() -> None:
    code = "import sys, cloudexit_ci.main; print('httpx' in sys.modules, 'tenacity' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# --- data migration on merge (real DynamoDB Local and SeaweedFS) ---------------------------

HAS_ENGINE = importlib.util.find_spec("cloudexit_ci.commands.migrate_data") is not None


def _run_git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True, env=os.environ | {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL":
                          "t@example.com", "GIT_COMMITTER_NAME": "t",
                          "GIT_COMMITTER_EMAIL": "t@example.com"})  # fmt: skip
    return done.stdout.strip()


def _commit_plan(repo: Path, plan: list[dict[str, Any]], message: str) -> str:
    manifest = repo / "selfhosted" / ".cloudexit" / "manifest.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"files": {}, "dataPlan": plan}, indent=2))
    _run_git(repo, "add", "-A")
    _run_git(repo, "commit", "-q", "-m", message)
    return _run_git(repo, "rev-parse", "HEAD")


@pytest.mark.servers
@pytest.mark.skipif(not HAS_ENGINE, reason="cloudexit_ci.commands.migrate_data does not exist yet")
def test_merged_pull_request_migrates_changed_stacks_once(
    tmp_path: Path, gh: GitHubStandIn, dynamodb_endpoint: str, s3_endpoint: str
) -> None:
    import uuid

    import boto3

    # unique names: the DynamoDB Local and SeaweedFS of the session are shared
    table, bucket = f"items-{uuid.uuid4().hex[:8]}", f"uploads-{uuid.uuid4().hex[:8]}"

    ddb = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])  # fmt: skip
    for index in range(120):
        ddb.put_item(TableName=table, Item={"id": {"S": f"i{index:03d}"}, "n": {"N": str(index)}})
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket=bucket)
    for index in range(7):
        s3.put_object(Bucket=bucket, Key=f"photos/{index}.jpg", Body=b"x" * (index + 1))

    runner = Runner(tmp_path, gh, "pull_request", FIXTURES / "pull_request.closed.merged.json")
    repo = runner.workspace
    _run_git(repo, "init", "-q", "-b", "main")
    before = _commit_plan(repo, [], "stack without data")
    plan = [
        {"address": "aws_dynamodb_table.items", "kind": "dynamodb", "source": {"table": table},
         "target": {"table": f"{table}-selfhosted", "endpoint": dynamodb_endpoint,
                    "service": "scylla", "mode": "alternator"}},
        {"address": "aws_s3_bucket.uploads", "kind": "s3", "source": {"bucket": bucket},
         "target": {"bucket": f"{bucket}-selfhosted", "endpoint": s3_endpoint,
                    "service": "seaweedfs"}},
    ]  # fmt: skip
    after = _commit_plan(repo, plan, "add the items table and the uploads bucket")
    runner.payload["pull_request"]["base"]["sha"] = before
    runner.payload["pull_request"]["merge_commit_sha"] = after
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
    os.environ["AWS_ENDPOINT_URL_S3"] = s3_endpoint
    try:
        first = runner.run(**{"migrate-data": "true", "fail-on": "never"})
        assert first.ok, first.log
        assert "data plan changed in 1 stack(s)" in first.log
        assert gh.requests == []  # a closed pull request gets no comment
        assert ddb.scan(TableName=f"{table}-selfhosted", Select="COUNT")["Count"] == 120
        keys = s3.list_objects_v2(Bucket=f"{bucket}-selfhosted")["Contents"]
        assert sorted(o["Key"] for o in keys) == [f"photos/{i}.jpg" for i in range(7)]

        second = runner.run(**{"migrate-data": "true", "fail-on": "never"})
        assert second.ok, second.log
        assert second.log.count("already migrated") == 2, second.log
        assert ddb.scan(TableName=f"{table}-selfhosted", Select="COUNT")["Count"] == 120
    finally:
        del os.environ["AWS_ENDPOINT_URL_DYNAMODB"], os.environ["AWS_ENDPOINT_URL_S3"]


def test_unmerged_close_and_other_branches_migrate_nothing(
    tmp_path: Path, gh: GitHubStandIn
) -> None:
    runner = Runner(tmp_path, gh, "pull_request", FIXTURES / "pull_request.closed.merged.json")
    runner.payload["pull_request"]["merged"] = False
    job = runner.run(**{"migrate-data": "true", "fail-on": "never"})
    assert job.ok, job.log
    assert "not a push to the default branch or a merged pull request" in job.log
