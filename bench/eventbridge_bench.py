"""PutEvents → target latency (issue 17): `python -m bench eventbridge`.

The estate of tests/e2e/test_eventbridge.py (the generated eventbridge and lambda-invoke
services as processes, a real Python shim, moto's SQS server). In the same run and in
alternating order, one event at a time:

- function target: boto3 ``put_events`` (a rule matching, a Lambda target delivered as an
  ``Event`` invocation through lambda-invoke) until the handler wrote its record, against the
  baseline of a direct boto3 ``invoke(InvocationType="Event")`` on lambda-invoke;
- queue target: ``put_events`` (the input transformer applied, ``SendMessage``) until a
  ``receive_message`` gets it, against a direct ``send_message`` then ``receive_message``.

The arrival of a record is its file's modification time (the handler wrote it), so polling
adds nothing. p50/p95 in ms and the p50 ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e import eventbridge_stack as stack

RESULTS = Path(__file__).resolve().parent / "results" / "eventbridge.json"


def _record_time(records: Path, marker: str, timeout: float = 20) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in records.glob("*.json"):
            try:
                text = path.read_text()
            except OSError:
                continue
            if marker in text:
                stamp = path.stat().st_mtime
                path.unlink()
                return stamp
        time.sleep(0.002)
    raise SystemExit(f"no record for {marker}")


def _entry(marker: str) -> dict[str, Any]:
    detail = {"id": marker, "total": 500, "country": "FR"}
    return {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": json.dumps(detail),
            "EventBusName": "orders"}  # fmt: skip


def _function_pair(estate: stack.Estate, events: Any, lam: Any, n: int) -> tuple[float, float]:
    marker = f"bench-{n}"
    start = time.time()
    events.put_events(Entries=[_entry(marker)])
    via_bus = (_record_time(estate.records, marker) - start) * 1000
    _drain(estate)  # the queue target got it too
    marker = f"direct-{n}"
    start = time.time()
    lam.invoke(FunctionName="recorder", InvocationType="Event",
               Payload=json.dumps({"id": marker}).encode())  # fmt: skip
    direct = (_record_time(estate.records, marker) - start) * 1000
    return via_bus, direct


def _drain(estate: stack.Estate) -> None:
    url = estate.queues["audit"]
    while True:
        got = estate.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        for message in got.get("Messages", []):
            estate.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if got.get("Messages"):
            return


def _queue_pair(estate: stack.Estate, events: Any, n: int) -> tuple[float, float]:
    start = time.perf_counter()
    events.put_events(Entries=[_entry(f"q-{n}")])
    _drain(estate)
    via_bus = (time.perf_counter() - start) * 1000
    _record_time(estate.records, f"q-{n}")  # the function target got it too
    start = time.perf_counter()
    estate.sqs.send_message(QueueUrl=estate.queues["audit"], MessageBody=f"direct-{n}")
    _drain(estate)
    return via_bus, (time.perf_counter() - start) * 1000


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
    }


def run(count: int) -> dict[str, Any]:
    import boto3

    with tempfile.TemporaryDirectory() as tmp, stack.running(Path(tmp)) as estate:
        events = estate.events()
        lam = boto3.client("lambda", endpoint_url=estate.invoke_url, **stack.KEYS)
        series: dict[str, list[float]] = {
            k: [] for k in ("fn_bus", "fn_direct", "q_bus", "q_direct")
        }
        for n in range(count + 3):
            fn = _function_pair(estate, events, lam, n)
            q = _queue_pair(estate, events, n)
            if n >= 3:  # warm-up
                series["fn_bus"].append(fn[0])
                series["fn_direct"].append(fn[1])
                series["q_bus"].append(q[0])
                series["q_direct"].append(q[1])
    out = {k: _summary(v) for k, v in series.items()}
    out["count"] = {"events": count}
    out["fn_ratio"] = {"p50": round(out["fn_bus"]["p50"] / out["fn_direct"]["p50"], 2)}
    out["q_ratio"] = {"p50": round(out["q_bus"]["p50"] / out["q_direct"]["p50"], 2)}
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args(argv)
    result = run(args.count)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    print("| path | p50 ms | p95 ms |\n|---|---:|---:|")
    rows = (("fn_bus", "PutEvents → rule → lambda-invoke (Event) → handler"),
            ("fn_direct", "baseline: Invoke(Event) on lambda-invoke → handler"),
            ("q_bus", "PutEvents → rule → transformer → SendMessage → received"),
            ("q_direct", "baseline: SendMessage → received"))  # fmt: skip
    for key, label in rows:
        print(f"| {label} | {result[key]['p50']} | {result[key]['p95']} |")
    fn, q = result["fn_ratio"]["p50"], result["q_ratio"]["p50"]
    print(f"\nfunction p50 ratio {fn}×, queue p50 ratio {q}×")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
