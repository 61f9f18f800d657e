"""`cloudexit-ci smoke` as users meet it without a running stack: the manifest read
strictly (exit 2 naming the file), --base-url checked, an unreachable base URL (exit 4,
one line naming it), writes not sent, the JSON report valid against its schema. Routes
against real Traefik and shims: tests/e2e/test_smoke.py; in Docker: tests/docker."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from cloudexit_ci.main import main
from cloudexit_ci.smoke.report import schema
from tests.servers import REPO, free_port

ITEMS = REPO / "examples" / "serverless-items" / "stack"
MANIFEST = Path(".cloudexit") / "manifest.json"


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


def smoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["smoke", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stack_with(tmp_path: Path, document: object) -> Path:
    (tmp_path / MANIFEST).parent.mkdir(parents=True)
    (tmp_path / MANIFEST).write_text(json.dumps(document))
    return tmp_path


def test_missing_manifest_is_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = smoke(capsys, "--stack", str(tmp_path), "--no-compose")
    assert code == 2
    assert str(tmp_path / MANIFEST) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ("not json{", "not JSON"),
        ({"routes": {"GET /": "fn"}}, "manifest.json: routes"),
        ({"routes": [{"method": "GET", "path": "/", "function": "f"}]}, "routes[0]"),
        ({"functions": {"f": 1}}, "manifest.json: functions"),
    ],
)
def test_broken_manifest_is_exit_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: object, key: str
) -> None:
    if isinstance(document, str):
        (tmp_path / MANIFEST).parent.mkdir(parents=True)
        (tmp_path / MANIFEST).write_text(document)
    else:
        stack_with(tmp_path, document)
    code, _, err = smoke(capsys, "--stack", str(tmp_path), "--base-url", closed_url())
    assert code == 2 and key in err and str(tmp_path / MANIFEST) in err


@pytest.mark.parametrize("url", ["ftp://host", "api.example.com", "https://", "http://h:x"])
def test_bad_base_url_is_exit_2(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, _, err = smoke(capsys, "--stack", str(ITEMS), "--base-url", url, "--no-compose")
    assert code == 2 and "--base-url" in err


def test_no_domain_and_no_base_url_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack_with(tmp_path, {"options": {}, "routes": []})
    code, _, err = smoke(capsys, "--stack", str(tmp_path), "--no-compose")
    assert code == 2 and "options.domain" in err and "--base-url" in err


def test_unreachable_base_url_is_exit_4_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    url = closed_url()
    code, out, err = smoke(capsys, "--stack", str(ITEMS), "--base-url", url, "--no-compose")
    assert code == 4 and out == ""
    assert err.startswith(f"error: {url}: cannot reach the stack") and err.count("\n") == 1


def test_writes_are_not_sent_without_allow_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only write routes: nothing is sent, so a closed port is no error; each is reported."""
    stack = tmp_path / "stack"
    shutil.copytree(ITEMS, stack)
    document = json.loads((stack / MANIFEST).read_text())
    document["routes"] = [r for r in document["routes"] if r["method"] != "GET"]
    (stack / MANIFEST).write_text(json.dumps(document))
    code, out, _ = smoke(capsys, "--stack", str(stack), "--base-url", closed_url(),
                         "--no-compose", "--format", "json")  # fmt: skip
    report = json.loads(out)
    jsonschema.validate(report, schema())
    assert code == 0 and report["ok"] is True
    assert {r["verdict"] for r in report["routes"]} == {"not-probed"}
    assert all(r["request"] is None and r["status"] is None for r in report["routes"])
    assert report["summary"]["notProbed"] == 3
    code, _, err = smoke(capsys, "--stack", str(stack), "--base-url", closed_url(),
                         "--no-compose", "--allow-writes")  # fmt: skip
    assert code == 4 and "cannot reach" in err  # with --allow-writes they are sent


def test_text_report_names_what_was_not_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = smoke(capsys, "--stack", str(REPO / "examples" / "full-estate" / "stack"),
                         "--no-compose")  # fmt: skip
    assert code == 0
    assert "no routes in the manifest" in out and "not checked: --no-compose" in out
