"""``cloudexit-ci comment`` in-process against the local GitHub stand-in."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloudexit_ci.github import parse_marker
from cloudexit_ci.main import main
from tests.github_standin import TOKEN, GitHubStandIn, Recorded, sample_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "github"
LIST = "/repos/octo-org/infra/issues/42/comments"


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as standin:
        monkeypatch.setenv("GITHUB_API_URL", standin.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("GITHUB_REPOSITORY", "octo-org/infra")
        monkeypatch.setenv("GITHUB_EVENT_PATH", str(FIXTURES / "pull_request.opened.json"))
        monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "output"))
        for name in ("GITHUB_GRAPHQL_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
            monkeypatch.delenv(name, raising=False)
        yield standin


def comment(tmp_path: Path, body: str, *extra: str) -> int:
    path = tmp_path / "report.md"
    path.write_text(body, encoding="utf-8")
    return main(["comment", "--body-file", str(path), *extra])


def get(page: str | None = None) -> Recorded:
    query = {"per_page": "100"} if page is None else {"per_page": "100", "page": page}
    return Recorded("GET", LIST if page is None else LIST.replace("repos/octo-org/infra",
                    "repositories/1296269"), query, None, {})  # fmt: skip


def shape(requests: list[Recorded]) -> list[tuple[str, str, dict[str, str], object]]:
    return [(r.method, r.path, r.query, r.json) for r in requests]


def test_first_run_creates_then_same_writes_nothing_then_change_updates(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = sample_report("prod")
    assert comment(tmp_path, first) == 0
    assert shape(gh.requests) == [
        ("GET", LIST, {"per_page": "100"}, None),
        ("POST", LIST, {}, {"body": first}),
    ]
    (cid,) = gh.comments
    url = f"https://github.com/octo-org/infra/pull/42#issuecomment-{cid}"
    assert capsys.readouterr().out.strip() == url
    output = (tmp_path / "output").read_text()
    assert re.fullmatch(rf"comment-url<<(ghadelimiter_[0-9a-f-]{{36}})\n{re.escape(url)}\n\1\n",
                        output)  # fmt: skip

    gh.requests.clear()
    assert comment(tmp_path, first) == 0
    assert shape(gh.requests) == [("GET", LIST, {"per_page": "100"}, None)]

    gh.requests.clear()
    second = sample_report("prod", tag="(second push)")
    assert comment(tmp_path, second) == 0
    assert shape(gh.requests) == [
        ("GET", LIST, {"per_page": "100"}, None),
        ("PATCH", f"/repos/octo-org/infra/issues/comments/{cid}", {}, {"body": second}),
    ]
    assert list(gh.comments) == [cid]
    assert gh.bodies() == [second]


def test_headers_are_githubs_and_the_token_is_never_recorded_or_printed(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert comment(tmp_path, sample_report("prod")) == 0
    headers = gh.requests[0].headers
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    assert headers["user-agent"].startswith("cloudexit-ci/")
    assert all(TOKEN not in str(r) for r in gh.requests)
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err


def test_marker_on_page_three_of_250_comments_is_found(gh: GitHubStandIn, tmp_path: Path) -> None:
    for index in range(250):
        gh.add_comment(42, f"LGTM {index}" if index != 230 else sample_report("prod", tag="old"))
    target = list(gh.comments)[230]
    body = sample_report("prod")
    assert comment(tmp_path, body) == 0
    base = "/repositories/1296269/issues/42/comments"
    assert shape(gh.requests) == [
        ("GET", LIST, {"per_page": "100"}, None),
        ("GET", base, {"per_page": "100", "page": "2"}, None),
        ("GET", base, {"per_page": "100", "page": "3"}, None),
        ("PATCH", f"/repos/octo-org/infra/issues/comments/{target}", {}, {"body": body}),
    ]
    assert len(gh.comments) == 250


def test_prod_marker_never_matches_non_prod(gh: GitHubStandIn, tmp_path: Path) -> None:
    other = gh.add_comment(42, sample_report("non-prod"))
    lookalike = gh.add_comment(42, 'quoting: <!-- cloudexit-ci: {"stack": "prod"} -->')
    prod = sample_report("prod")
    assert comment(tmp_path, prod) == 0
    assert [r.method for r in gh.requests] == ["GET", "POST"]
    assert gh.comments[other]["body"] == sample_report("non-prod")
    assert gh.comments[lookalike]["body"].startswith("quoting")
    assert comment(tmp_path, sample_report("non-prod", tag="v2")) == 0
    assert gh.writes()[-1].path == f"/repos/octo-org/infra/issues/comments/{other}"


def test_forbidden_is_a_warning_not_a_failure(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    gh.forbid_writes = True
    assert comment(tmp_path, sample_report("prod")) == 0
    out = capsys.readouterr().out
    assert out.startswith("::warning title=cloudexit-ci comment::no comment posted")
    assert "Resource not accessible by integration" in out
    assert gh.comments == {}


def test_two_megabyte_diff_yields_a_valid_body(gh: GitHubStandIn, tmp_path: Path) -> None:
    body = sample_report("prod", unmapped=3, diff_lines=27_000)
    assert len(body) > 2_000_000
    assert comment(tmp_path, body) == 0
    (posted,) = gh.bodies()
    assert len(posted) <= 65_536
    assert posted.split("\n", 1)[0] == body.split("\n", 1)[0]
    assert parse_marker(posted) == parse_marker(body)
    assert "| `aws_sqs_queue.q2` | aws_sqs_queue | no mapper |" in posted
    assert posted.count("```") % 2 == 0
    assert posted.count("<details>") == posted.count("</details>")
    assert comment(tmp_path, body) == 0  # same cut -> no second write
    assert len(gh.writes()) == 1


@pytest.mark.parametrize("behaviour", ["new", "hide-and-new", "delete-and-new"])
def test_behaviours(gh: GitHubStandIn, tmp_path: Path, behaviour: str) -> None:
    old = gh.add_comment(42, sample_report("prod", tag="old"))
    node = gh.comments[old]["node_id"]
    body = sample_report("prod")
    assert comment(tmp_path, body, "--behaviour", behaviour) == 0
    writes = [(r.method, r.path, r.json) for r in gh.writes()]
    expected: list[tuple[str, str, object]] = [("POST", LIST, {"body": body})]
    if behaviour == "hide-and-new":
        (graphql,) = gh.writes()[1:]
        assert graphql.path == "/graphql"
        assert graphql.json["variables"] == {"id": node, "classifier": "OUTDATED"}
        assert "minimizeComment" in graphql.json["query"]
        assert gh.minimized == {node}
    elif behaviour == "delete-and-new":
        expected.append(("DELETE", f"/repos/octo-org/infra/issues/comments/{old}", None))
        assert writes == expected
        assert old not in gh.comments
    else:
        assert writes == expected
    gh.requests.clear()
    assert comment(tmp_path, body, "--behaviour", behaviour) == 0
    assert gh.writes() == []


def test_skip_no_diff(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = sample_report("prod", drift=False, unmapped=0)
    assert comment(tmp_path, clean, "--skip-no-diff") == 0
    assert gh.writes() == []
    assert "in sync" in capsys.readouterr().out
    old = gh.add_comment(42, sample_report("prod"))
    assert comment(tmp_path, clean, "--skip-no-diff") == 0
    assert [(r.method, r.json) for r in gh.writes()] == [("PATCH", {"body": clean})]
    assert gh.comments[old]["body"] == clean


def test_unknown_state_is_not_clean(gh: GitHubStandIn, tmp_path: Path) -> None:
    body = '<!-- cloudexit-ci: {"stack": "prod", "v": 1} -->\n## in sync?\n'
    assert comment(tmp_path, body, "--skip-no-diff") == 0
    assert [r.method for r in gh.writes()] == ["POST"]


def test_retries_5xx_and_secondary_rate_limit(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.fail_next(502)
    gh.fail_next(403, retry_after=1)
    assert comment(tmp_path, sample_report("prod")) == 0
    assert [r.method for r in gh.requests] == ["GET", "GET", "GET", "POST"]
    assert len(gh.comments) == 1


def test_persistent_failure_is_one_line_error(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongTokenValue")
    assert comment(tmp_path, sample_report("prod")) == 4  # the server's answer: external
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "HTTP 401: Bad credentials" in err
    assert f"GitHub API GET {gh.url}{LIST}" in err  # where: the URL that answered
    assert "ghp_wrongTokenValue" not in err and "bug" not in err


def test_unreachable_api_is_one_line_exit_4_naming_the_url(
    gh: GitHubStandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("GITHUB_API_URL", url)
    assert comment(tmp_path, sample_report("prod")) == 4
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: GitHub API GET {url}{LIST}: cannot reach GitHub: ")
    assert "(fix: check GITHUB_API_URL and the network)" in line


def test_stack_flag_adds_marker_and_rejects_mismatch(gh: GitHubStandIn, tmp_path: Path) -> None:
    assert comment(tmp_path, "# hand-written\n", "--stack", "staging") == 0
    (posted,) = gh.bodies()
    marker = parse_marker(posted)
    assert marker is not None and marker.stack == "staging"
    assert comment(tmp_path, sample_report("prod"), "--stack", "staging") == 2
    assert comment(tmp_path, "# no marker\n") == 2


def test_no_post_fills_summary_and_outputs(
    gh: GitHubStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report = tmp_path / "report.json"
    report.write_text('{"summary": {"drift": true, "unmapped": 4}}')
    body = '<!-- cloudexit-ci: {"stack": "prod", "v": 1} -->\n' + "é" * 1_200_000
    assert comment(tmp_path, body, "--no-post", "--step-summary", "--report-json", str(report)) == 0
    assert gh.requests == []
    written = summary.read_text(encoding="utf-8")
    assert len(written.encode()) <= 1_048_576
    assert written.startswith('<!-- cloudexit-ci: {"stack": "prod", "v": 1} -->\n')
    output = (tmp_path / "output").read_text()
    values = dict(re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", output, re.M | re.S)[i][::2]
                  for i in range(3))  # fmt: skip
    assert values == {
        "drift": "true",
        "unmapped-count": "4",
        "report-path": str((tmp_path / "report.md").resolve()),
    }


def test_stack_bodies_split_a_multi_stack_report() -> None:
    from cloudexit_ci.commands.comment import stack_bodies
    from cloudexit_ci.github import Marker
    from cloudexit_ci.report import Report
    from cloudexit_ci.reporters import markdown

    body = markdown.render([Report("prod", ".", "."), Report("non-prod", ".", ".")])
    pairs = stack_bodies(body)
    assert [m for m, _ in pairs] == [Marker("prod", False, 0), Marker("non-prod", False, 0)]
    assert all(text.startswith("<!-- cloudexit-ci: ") for _, text in pairs)
    assert [m.stack for m, _ in stack_bodies(body, "non-prod")] == ["non-prod"]
    single = stack_bodies("plain text\n---\n\nmore", "prod")
    assert single[0][1].startswith('<!-- cloudexit-ci: {"stack": "prod"')
