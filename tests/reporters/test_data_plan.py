"""The data plan delta: fresh manifest vs checked-in manifest, and how reporters show it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

import jsonschema
import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.manifest import MANIFEST_PATH, DataMove
from cloudexit_ci.report import Report, build_report, data_plan_delta
from cloudexit_ci.reporters import json as json_reporter
from cloudexit_ci.reporters import markdown, text
from cloudexit_ci.tree import Tree
from tests.reporters.canonical import RUN_URL

ITEMS: dict[str, Any] = {
    "kind": "dynamodb",
    "address": "aws_dynamodb_table.items",
    "source": {"table": "items"},
    "target": {"endpoint": "http://scylladb:8000", "mode": "alternator",
               "service": "scylladb", "table": "items"},
}  # fmt: skip
ORDERS: dict[str, Any] = {
    "kind": "dynamodb",
    "address": "aws_dynamodb_table.orders",
    "source": {"table": "orders"},
    "target": {"endpoint": "http://scylladb:8000", "mode": "alternator",
               "service": "scylladb", "table": "orders"},
}  # fmt: skip
UPLOADS: dict[str, Any] = {
    "kind": "s3",
    "address": "aws_s3_bucket.uploads",
    "source": {"bucket": "items-uploads"},
    "target": {"bucket": "items-uploads", "endpoint": "http://minio:9000", "service": "minio"},
}
DB: dict[str, Any] = {
    "kind": "postgres",
    "address": "aws_db_instance.main",
    "source": {"identifier": "estate-db", "engine": "postgres"},
    "target": {"service": "estate-db", "host": "estate-db", "port": "5432"},
}


def manifest(plan: Sequence[object]) -> bytes:
    return json.dumps({"files": {}, "dataPlan": plan}, indent=2).encode()


def trees(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[Tree, Tree]:
    compose = PurePosixPath("docker-compose.yml")
    return (
        {compose: b"services: {}\n", MANIFEST_PATH: manifest(new)},
        {compose: b"services: {}\n", MANIFEST_PATH: manifest(old)},
    )


def plan_report() -> Report:
    moved = dict(UPLOADS, target=dict(UPLOADS["target"], service="seaweedfs",
                                      endpoint="http://seaweedfs:8333"))  # fmt: skip
    expected, actual = trees([ITEMS, UPLOADS, DB], [ITEMS, ORDERS, moved])
    return build_report(
        stack="shop", output_dir="deploy", terraform_dir="infra", expected=expected, actual=actual
    )


def test_delta_by_address() -> None:
    delta = plan_report().data_plan
    assert [m.address for m in delta.added] == ["aws_dynamodb_table.orders"]
    assert [c.after.address for c in delta.changed] == ["aws_s3_bucket.uploads"]
    assert delta.changed[0].before.target["service"] == "minio"
    assert delta.changed[0].after.target["service"] == "seaweedfs"
    assert [m.address for m in delta.removed] == ["aws_db_instance.main"]
    assert [m.address for m in delta.to_copy] == [
        "aws_dynamodb_table.orders",
        "aws_s3_bucket.uploads",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (manifest([ITEMS]), manifest([ITEMS])),
        (manifest([ITEMS]), json.dumps({"dataPlan": [ITEMS], "files": {"x": 1}}).encode()),
        (None, None),
        (b"not json", b"{]"),
        (manifest([]), json.dumps({"dataPlan": "nope"}).encode()),
    ],
)
def test_no_delta(old: bytes | None, new: bytes | None) -> None:
    assert not data_plan_delta(new, old).any


def test_a_new_stack_adds_every_move_and_bad_entries_are_skipped() -> None:
    delta = data_plan_delta(manifest([ITEMS, {"kind": "s3"}, "x"]), None)
    assert delta.added == (DataMove.from_json(ITEMS),)


def test_markdown_section(snapshot: SnapshotAssertion) -> None:
    body = markdown.render_markdown(plan_report(), run_url=RUN_URL)
    assert body == snapshot
    assert "#### Data migration on merge" in body
    assert (
        "| added | dynamodb | `aws_dynamodb_table.orders` | table `orders` on AWS | "
        "table `orders` on scylladb (alternator) |" in body
    )
    assert (
        "| changed | s3 | `aws_s3_bucket.uploads` | bucket `items-uploads` on AWS | "
        "bucket `items-uploads` on minio → bucket `items-uploads` on seaweedfs |" in body
    )
    assert "| removed | postgres | `aws_db_instance.main` |" in body
    assert "2 data stores are copied" in body
    # it sits before the per-file diffs, so shortening never drops it
    assert body.index("Data migration on merge") < body.index("<details>")


def test_no_section_without_a_change() -> None:
    expected, actual = trees([ITEMS], [ITEMS])
    report = build_report(stack="s", output_dir=".", terraform_dir=".", expected=expected,
                          actual=actual)  # fmt: skip
    assert "Data migration" not in markdown.render_markdown(report)


def test_section_survives_shortening() -> None:
    from cloudexit_ci.diff import Drift

    report = plan_report()
    huge = Drift(PurePosixPath("big.yml"), "changed", "+x\n" * 1_000_000)
    big = Report(report.stack, report.output_dir, report.terraform_dir, (huge,),
                 data_plan=report.data_plan)  # fmt: skip
    body = markdown.render_markdown(big)
    assert len(body) <= markdown.COMMENT_LIMIT
    assert "| added | dynamodb | `aws_dynamodb_table.orders`" in body


def test_many_moves_are_capped() -> None:
    plan = [dict(ITEMS, address=f"aws_dynamodb_table.t{i:03d}") for i in range(60)]
    expected, actual = trees([], plan)
    report = build_report(stack="s", output_dir=".", terraform_dir=".", expected=expected,
                          actual=actual)  # fmt: skip
    body = markdown.render_markdown(report)
    assert body.count("| added | dynamodb |") == 25
    assert "… and 35 more data plan changes" in body


def test_json_and_schema(snapshot: SnapshotAssertion) -> None:
    document = json.loads(json_reporter.render([plan_report()]))
    jsonschema.validate(document, json_reporter.schema())
    plan = document["reports"][0]["dataPlan"]
    assert plan == snapshot
    assert [m["address"] for m in plan["added"]] == ["aws_dynamodb_table.orders"]
    assert plan["changed"][0]["after"]["target"]["service"] == "seaweedfs"
    assert plan["removed"][0]["source"] == {"identifier": "estate-db", "engine": "postgres"}


def test_text_lines() -> None:
    out = text.render([plan_report()], color=False, run_url=None)
    assert (
        "data migration on merge: added: dynamodb aws_dynamodb_table.orders: table orders on "
        "AWS -> table orders on scylladb (alternator)" in out
    )
    assert "data migration on merge: removed (no longer migrated): postgres" in out


def test_cells_are_escaped_once() -> None:
    odd = dict(ITEMS, address="aws_dynamodb_table.a", source={"table": "a|b"},
               target={"table": "a|b", "service": "x|<y>"})  # fmt: skip
    expected, actual = trees([], [odd])
    report = build_report(stack="s", output_dir=".", terraform_dir=".", expected=expected,
                          actual=actual)  # fmt: skip
    body = markdown.render_markdown(report)
    assert "| table `a\\|b` on AWS | table `a\\|b` on x\\|&lt;y&gt; |" in body
