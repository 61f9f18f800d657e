"""SIGKILL at many points, then --resume: the target equals the source exactly.

The process is the real CLI in a subprocess. Kill points: the test hooks
CLOUDEXIT_TEST_KILL_AFTER_BATCHES (after the N-th stored batch / object) and
CLOUDEXIT_TEST_KILL_AT_CHECKPOINT (between writing a checkpoint's temporary file
and renaming it), plus kills from outside at timed instants.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.migrate_data.helpers import (
    REPO,
    by_key,
    cli,
    create_table,
    ddb,
    edge_items,
    name,
    put_all,
    random_items,
    raw_equal,
    s3,
    scan_all,
)

pytestmark = pytest.mark.servers

KILLED = -signal.SIGKILL
HOOK_KILLS = [
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "1"},
    {"CLOUDEXIT_TEST_KILL_AT_CHECKPOINT": "2"},
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "13"},
    {"CLOUDEXIT_TEST_KILL_AT_CHECKPOINT": "5"},
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "40"},
]
# Checkpoints written at most once a second: a run writes fewer of them, so the
# checkpoint kills come earlier (the first write of a run, then its second).
HOOK_KILLS_BATCHED = [
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "1"},
    {"CLOUDEXIT_TEST_KILL_AT_CHECKPOINT": "1"},
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "13"},
    {"CLOUDEXIT_TEST_KILL_AT_CHECKPOINT": "2"},
    {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": "40"},
]


def _timed_kill(args: list[str], delay: float) -> int:
    cmd = [sys.executable, "-m", "cloudexit_ci", "migrate-data", *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=30)


def _checkpoints_are_json(state: Path) -> None:
    for path in state.glob("*.json"):
        json.loads(path.read_text())  # never torn


@pytest.mark.parametrize("every", ["0", "1"])  # checkpoint after every page / once a second
def test_dynamodb_killed_seven_times_then_resumed(
    dynamodb_endpoint: str, tmp_path: Path, every: str
) -> None:
    client = ddb(dynamodb_endpoint)
    src, dst = name("ksrc"), name("kdst")
    create_table(client, src)
    items = random_items(4000, seed=11) + edge_items()
    put_all(client, src, items)
    args = [
        "dynamodb", "--source-table", src, "--source-endpoint", dynamodb_endpoint,
        "--target-table", dst, "--target-endpoint", dynamodb_endpoint,
        "--state-dir", str(tmp_path), "--segments", "3", "--page-size", "50",
        "--workers", "2", "--progress", "none", "--checkpoint-every", every,
    ]  # fmt: skip
    kills = 0
    for n, env in enumerate(HOOK_KILLS if every == "0" else HOOK_KILLS_BATCHED):
        result = cli(*args, *(["--resume"] if n else []), env=env)
        assert result.returncode == KILLED, (env, result.stdout, result.stderr)
        _checkpoints_are_json(tmp_path)
        kills += 1
    for delay in (1.2, 1.6):
        code = _timed_kill([*args, "--resume"], delay)
        kills += code == KILLED
        _checkpoints_are_json(tmp_path)
    assert kills >= 6
    done = cli(*args, "--resume", "--verify", "full")
    assert done.returncode == 0, done.stderr
    assert "MISMATCH" not in done.stdout
    raw_equal(scan_all(client, src), scan_all(client, dst))
    assert by_key(scan_all(client, dst)) == by_key(items)
    again = cli(*args, "--resume")
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_s3_killed_five_times_then_resumed(s3_endpoint: str, tmp_path: Path) -> None:
    client = s3(s3_endpoint)
    src, dst = name("ks3src"), name("ks3dst")
    client.create_bucket(Bucket=src)
    bodies = {f"k/{i:04d}.txt": f"object {i}\n".encode() * (i % 7 + 1) for i in range(400)}
    for key, body in bodies.items():
        client.put_object(Bucket=src, Key=key, Body=body, ContentType="text/plain")
    args = [
        "s3", "--source-bucket", src, "--source-endpoint", s3_endpoint,
        "--target-bucket", dst, "--target-endpoint", s3_endpoint,
        "--state-dir", str(tmp_path), "--workers", "4", "--progress", "none",
        "--target-kind", "seaweedfs",
    ]  # fmt: skip
    kill_after = ["5", "30", "60", "90", "120"]
    for n, count in enumerate(kill_after):
        env = {"CLOUDEXIT_TEST_KILL_AFTER_BATCHES": count}
        result = cli(*args, *(["--resume"] if n else []), env=env)
        assert result.returncode == KILLED, result.stderr
        _checkpoints_are_json(tmp_path)
    done = cli(*args, "--resume", "--verify", "full")
    assert done.returncode == 0, done.stderr + done.stdout
    for key, body in bodies.items():
        got = client.get_object(Bucket=dst, Key=key)
        assert got["Body"].read() == body and got["ContentType"] == "text/plain"
    again = cli(*args, "--resume", "--verify", "count")
    assert again.returncode == 0
    rerun = cli(*args, "--restart")
    assert rerun.returncode == 0
    assert "copied 0 objects" in rerun.stdout and "400 already present" in rerun.stdout
