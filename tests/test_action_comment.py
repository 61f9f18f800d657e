"""action.yml in the simulated runner (tests/action_helpers.py), the PR-comment
path: one sticky comment per stack, created, left alone or updated; the report it
holds (drift, unmapped resources, data migration on merge); size limits, a
forbidden token and a push event.
"""

from __future__ import annotations

import json
from pathlib import Path

from cloudexit_ci.github import Marker, parse_marker
from tests.action_helpers import (
    CONFIG,
    FIXTURES,
    KINESIS_ROW,
    MEMORY,
    ORDERS,
    RUN_URL,
    Runner,
    cli,
    report_of,
)
from tests.action_helpers import gh_fixture as gh_fixture
from tests.action_helpers import runner_fixture as runner_fixture
from tests.github_standin import TOKEN, GitHubStandIn, sample_report


def test_first_run_creates_second_writes_nothing_change_updates(
    runner: Runner, gh: GitHubStandIn
) -> None:
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    (cid,) = gh.comments
    assert [r.method for r in gh.requests] == ["GET", "POST"]
    assert (
        job.outputs["comment-url"]
        == f"https://github.com/octo-org/infra/pull/42#issuecomment-{cid}"
    )
    assert job.outputs["drift"] == "true"
    assert job.outputs["unmapped-count"] == "1"
    body = report_of(job)
    assert body == runner.check("markdown")  # the real check's report, as the CLI writes it
    assert gh.bodies() == [body]
    assert job.summary == body
    assert parse_marker(body) == Marker("prod", True, 1)
    assert "<code>selfhosted/docker-compose.yml</code> (changed)" in body
    assert KINESIS_ROW in body
    assert f"[View the workflow run](<{RUN_URL}>)" in body
    report_json = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    assert report_json["summary"]["drift"] is True and report_json["summary"]["unmapped"] == 1
    assert "::error file=selfhosted/docker-compose.yml,line=" in job.log
    assert "::warning file=terraform/main.tf,line=" in job.log
    assert "already installed" in job.log
    assert TOKEN not in job.log

    gh.requests.clear()
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.requests] == ["GET"]

    gh.requests.clear()
    runner.edit("memory_size      = 512", "memory_size      = 1024")
    changed = runner.run(**{"fail-on": "never"})
    assert changed.ok, changed.log
    assert [(r.method, r.path) for r in gh.requests] == [
        ("GET", "/repos/octo-org/infra/issues/42/comments"),
        ("PATCH", f"/repos/octo-org/infra/issues/comments/{cid}"),
    ]
    assert gh.bodies() == [report_of(changed)]
    assert "1024" in gh.bodies()[0] and len(gh.comments) == 1


def test_added_table_shows_the_data_migration(runner: Runner, gh: GitHubStandIn) -> None:
    runner.append(ORDERS)
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    (posted,) = gh.bodies()
    assert "#### Data migration on merge" in posted
    assert (
        "| added | dynamodb | `aws_dynamodb_table.orders` | table `orders` on AWS | "
        "table `orders` on scylladb (alternator) |" in posted
    )
    assert "Data migration on merge" in job.summary
    data_plan = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    added = data_plan["reports"][0]["dataPlan"]["added"]
    assert [(m["kind"], m["address"], m["source"]) for m in added] == [
        ("dynamodb", "aws_dynamodb_table.orders", {"table": "orders"})
    ]


def test_in_sync_stack_shows_no_data_migration(runner: Runner, gh: GitHubStandIn) -> None:
    job = runner.run()
    assert job.ok, job.log
    assert job.outputs["drift"] == "false" and job.outputs["unmapped-count"] == "1"
    (posted,) = gh.bodies()
    assert parse_marker(posted) == Marker("prod", False, 1)
    assert "Data migration" not in posted


def test_marker_among_250_comments_on_3_pages(runner: Runner, gh: GitHubStandIn) -> None:
    for index in range(250):
        gh.add_comment(42, sample_report("prod", tag="old") if index == 199 else f"nit {index}")
    target = list(gh.comments)[199]
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    assert [r.query.get("page", "1") for r in gh.requests if r.method == "GET"] == ["1", "2", "3"]
    (write,) = gh.writes()
    assert (write.method, write.path) == (
        "PATCH",
        f"/repos/octo-org/infra/issues/comments/{target}",
    )
    assert gh.comments[target]["body"] == report_of(job)


def test_prod_never_matches_non_prod(runner: Runner, gh: GitHubStandIn) -> None:
    other = gh.add_comment(42, sample_report("non-prod"))
    assert runner.run(**{"fail-on": "never"}).ok
    assert [r.method for r in gh.writes()] == ["POST"]
    assert gh.comments[other]["body"] == sample_report("non-prod")
    assert len(gh.comments) == 2


def test_two_stacks_get_one_comment_each(runner: Runner, gh: GitHubStandIn) -> None:
    config = runner.workspace / ".cloudexit.yml"
    second = CONFIG.split("\n", 1)[1].replace("prod", "non-prod")
    config.write_text(CONFIG + second.replace("selfhosted", "selfhosted-non-prod"))
    assert cli("migrate", cwd=runner.workspace).returncode in (0, 1)
    runner.edit(MEMORY, "memory_size      = 512")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    markers = [parse_marker(b) for b in gh.bodies()]
    assert markers == [Marker("prod", True, 1), Marker("non-prod", True, 1)]
    assert job.outputs["unmapped-count"] == "2"  # summed over the stacks
    assert len(job.outputs["comment-url"].splitlines()) == 2
    gh.requests.clear()
    assert runner.run(**{"fail-on": "never"}).ok
    assert gh.writes() == []


def test_forbidden_does_not_fail_the_job(runner: Runner, gh: GitHubStandIn) -> None:
    gh.forbid_writes = True
    job = runner.run()
    assert job.ok, job.log
    assert "::warning title=cloudexit-ci comment::no comment posted" in job.log
    assert job.outputs["comment-url"] == ""
    assert job.outputs["drift"] == "false"
    assert gh.comments == {}


def test_two_megabyte_diff(runner: Runner, gh: GitHubStandIn) -> None:
    variables = "\n".join(f'      ITEM_{i:05d} = "value-{i:05d}-{"x" * 40}"' for i in range(30_000))
    runner.edit(
        "      TABLE_NAME = aws_dynamodb_table.items.name\n",
        f"      TABLE_NAME = aws_dynamodb_table.items.name\n{variables}\n",
    )
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    report_json = json.loads((Path(job.outputs["report-path"]).parent / "report.json").read_text())
    compose = [d for d in report_json["reports"][0]["drifts"] if d["outputPath"] ==
               "docker-compose.yml"]  # fmt: skip
    assert len(compose[0]["diff"]) > 2_000_000  # a real 2 MB drift
    (posted,) = gh.bodies()
    assert len(posted) <= 65_536
    assert parse_marker(posted) == Marker("prod", True, 1)
    assert KINESIS_ROW in posted
    assert "Shortened to fit this comment" in posted
    assert len(job.summary.encode()) <= 1_048_576
    assert KINESIS_ROW in job.summary


def test_push_event_posts_no_comment(tmp_path: Path, gh: GitHubStandIn) -> None:
    runner = Runner(tmp_path, gh, "push", FIXTURES / "push.json")
    job = runner.run(**{"fail-on": "never"})
    assert job.ok, job.log
    assert gh.requests == []
    assert "not a pull request event" in job.log
