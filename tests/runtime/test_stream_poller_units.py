"""Units of the generated DynamoDB stream poller (templates/extras/stream_poller.py) and its
filter matcher (event_pattern.py): record conversion, Lambda's filter syntax, batching,
bisect, retries, record age and ReportBatchItemFailures. The function is a Python callable
here; tests/e2e/test_dynamodb_streams.py runs the same code against the real parts."""

from __future__ import annotations

import importlib
import sys
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.servers import REPO

sys.path.insert(0, str(REPO / "templates" / "extras"))
poller: Any = importlib.import_module("stream_poller")
pattern: Any = importlib.import_module("event_pattern")


def _record(seq: int, name: str = "INSERT", age: float = 0.0, **image: Any) -> dict[str, Any]:
    data = {"SequenceNumber": str(seq), "ApproximateCreationDateTime": 1000.0 - age}
    data["NewImage"] = {k: {"S": v} for k, v in image.items()}
    return {"eventName": name, "dynamodb": data}


def _config(**kw: Any) -> Any:
    return poller.Config(table="t", stream_arn="arn", invoke_url="http://x", **kw)


class Function:
    """Fails every batch holding a record whose NewImage has ``bad``; reports ``soft`` ones."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, event: dict[str, Any]) -> Any:
        records = event["Records"]
        self.batches.append([r["dynamodb"]["SequenceNumber"] for r in records])
        if any("bad" in r["dynamodb"]["NewImage"] for r in records):
            raise poller.FunctionError("boom")
        soft = [r for r in records if "soft" in r["dynamodb"]["NewImage"]]
        return {
            "batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in soft]
        }


def _deliver(records: list[dict[str, Any]], **kw: Any) -> tuple[Function, list[str], list[Any]]:
    function = Function()
    commits: list[str] = []
    reports: list[Any] = []
    delivery = poller.Delivery(
        _config(**kw),
        function,
        commits.append,
        lambda recs, cond, n: reports.append(
            ([r["dynamodb"]["SequenceNumber"] for r in recs], cond, n)
        ),
        now=lambda: 1000.0,
        sleep=lambda s: None,
        running=lambda: True,
    )
    assert delivery.deliver(records)
    return function, commits, reports


def test_record_conversion_in_lambda_format() -> None:
    raw = {
        "eventID": "e1",
        "eventName": "MODIFY",
        "eventVersion": "1.0",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 1, 2, tzinfo=timezone.utc),
            "Keys": {"pk": {"S": "a"}},
            "NewImage": {
                "pk": {"S": "a"},
                "b": {"B": b"\x00\x01"},
                "m": {"M": {"l": {"L": [{"BS": [b"x"]}]}}},
            },
            "OldImage": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "SequenceNumber": "42",
            "SizeBytes": 30,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    record = poller.lambda_record(raw, _config(region="eu-west-1"))
    assert record["eventVersion"] == "1.1" and record["eventSource"] == "aws:dynamodb"
    assert record["awsRegion"] == "eu-west-1" and record["eventSourceARN"] == "arn"
    data = record["dynamodb"]
    assert data["ApproximateCreationDateTime"] == 1767312000
    assert data["NewImage"]["b"] == {"B": "AAE="}
    assert data["NewImage"]["m"] == {"M": {"l": {"L": [{"BS": ["eA=="]}]}}}
    assert data["OldImage"]["n"] == {"N": "1"} and data["SequenceNumber"] == "42"


EVENT = {
    "eventName": "INSERT",
    "dynamodb": {
        "NewImage": {"status": {"S": "Shipped"}, "qty": {"N": "12"}, "tags": {"SS": ["a", "b"]}}
    },
    "source": "10.0.1.7",
}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"eventName": ["INSERT"]}, True),
        ({"eventName": ["MODIFY", "REMOVE"]}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"prefix": "Ship"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"suffix": "ped"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"equals-ignore-case": "shipped"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["Shipped"]}]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "X"}}]}}}}, True),
        ({"dynamodb": {"NewImage": {"qty": {"N": [{"numeric": [">", 10, "<=", 12]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"qty": {"N": [{"numeric": ["<", 10]}]}}}}, False),
        ({"dynamodb": {"NewImage": {"gone": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"status": [{"exists": True}]}}}, True),
        ({"dynamodb": {"OldImage": [{"exists": True}]}}, False),
        ({"dynamodb": {"NewImage": {"tags": {"SS": ["b"]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"wildcard": "S*ped"}]}}}}, True),
        ({"source": [{"cidr": "10.0.0.0/16"}]}, True),
        ({"$or": [{"eventName": ["REMOVE"]}, {"source": ["10.0.1.7"]}]}, True),
        ({"$or": [{"eventName": ["REMOVE"]}, {"source": ["x"]}]}, False),
    ],
)
def test_filter_patterns(rule: dict[str, Any], expected: bool) -> None:
    assert pattern.matches(rule, EVENT) is expected


def test_filters_are_ored_and_empty_means_all() -> None:
    filters = pattern.parse(['{"eventName": ["REMOVE"]}', '{"eventName": ["INSERT"]}'])
    assert pattern.matches_any(filters, EVENT) and pattern.matches_any([], EVENT)
    assert not pattern.matches_any(filters[:1], EVENT)
    for bad in ('["not an object"]', '{"a": "scalar"}', '{"a": [{"startswith": "x"}]}'):
        with pytest.raises(ValueError):
            pattern.parse([bad])


def test_filtered_out_records_are_skipped_but_checkpointed() -> None:
    records = [_record(1, kind="x"), _record(2, kind="order"), _record(3, kind="x")]
    kept = '{"dynamodb": {"NewImage": {"kind": {"S": ["order"]}}}}'
    function, commits, _ = _deliver(records, filters=pattern.parse([kept]))
    assert function.batches == [["2"]] and commits[-1] == "3"
    function, commits, _ = _deliver(records[:1], filters=pattern.parse([kept]))
    assert function.batches == [] and commits == ["1"]


def test_bisect_isolates_the_poison_record() -> None:
    records = [_record(1), _record(2), _record(3), _record(4, bad="y")]
    function, commits, reports = _deliver(records, bisect=True, max_retries=2)
    assert function.batches == [["1", "2", "3", "4"], ["1", "2"], ["3", "4"], ["3"], ["4"]]
    assert reports == [(["4"], "RetryAttemptsExhausted", 3)]
    assert commits[-1] == "4"


def test_without_bisect_the_whole_batch_is_retried_then_given_up() -> None:
    records = [_record(1), _record(2, bad="y")]
    function, _, reports = _deliver(records, max_retries=1)
    assert function.batches == [["1", "2"], ["1", "2"]]
    assert reports == [(["1", "2"], "RetryAttemptsExhausted", 2)]


def test_report_batch_item_failures_checkpoints_before_the_first_failure() -> None:
    records = [_record(1), _record(2, soft="y"), _record(3), _record(4, soft="y")]
    function, commits, reports = _deliver(records, report_failures=True, max_retries=0)
    assert function.batches == [["1", "2", "3", "4"]]
    assert commits[0] == "1" and reports == [(["2", "3", "4"], "RetryAttemptsExhausted", 1)]


def test_batch_item_failures_are_ignored_unless_the_mapping_reports_them() -> None:
    records = [_record(1), _record(2, soft="y")]
    function, commits, reports = _deliver(records, max_retries=0)
    assert function.batches == [["1", "2"]] and commits[-1] == "2" and reports == []


def test_an_unknown_item_identifier_fails_the_whole_batch() -> None:
    batch = [_record(1)["dynamodb"] and _record(1), _record(2)]
    assert poller.first_failure(batch, {"batchItemFailures": [{"itemIdentifier": "9"}]}) == 0
    assert poller.first_failure(batch, {"batchItemFailures": [{"itemIdentifier": ""}]}) == 0
    assert poller.first_failure(batch, {"batchItemFailures": []}) is None
    assert poller.first_failure(batch, None) is None


def test_records_older_than_the_maximum_age_are_given_up() -> None:
    records = [_record(1, age=120), _record(2, age=5)]
    function, commits, reports = _deliver(records, max_age_s=60)
    assert function.batches == [["2"]] and reports == [(["1"], "RecordAgeExceeded", 0)]
    assert commits[-1] == "2"
    function, commits, reports = _deliver(records[:1], max_age_s=60)
    assert function.batches == [] and commits == ["1"]


def test_on_failure_message_as_lambda_sends_it() -> None:
    records = [_record(7), _record(9)]
    message = poller.failure_message(records, "RetryAttemptsExhausted", 3, "shard-1", _config())
    info = message["DDBStreamBatchInfo"]
    assert info["shardId"] == "shard-1" and info["batchSize"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("7", "9")
    assert info["streamArn"] == "arn" and info["approximateArrivalOfFirstRecord"].endswith("Z")
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == 3


def test_parent_shards_before_children(tmp_path: Any) -> None:
    checkpoints = poller.Checkpoints(str(tmp_path / "t.json"))
    shards = [
        {"ShardId": "parent"},
        {"ShardId": "child", "ParentShardId": "parent"},
        {"ShardId": "orphan", "ParentShardId": "trimmed-away"},
    ]
    assert [s["ShardId"] for s in poller.ready(shards, checkpoints)] == ["parent", "orphan"]
    checkpoints.set("parent", done=True)
    assert [s["ShardId"] for s in poller.ready(shards, checkpoints)] == ["child", "orphan"]
    again = poller.Checkpoints(str(tmp_path / "t.json"))
    assert again.shard("parent") == {"seq": None, "done": True}
