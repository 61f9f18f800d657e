"""The Lambda Invoke API (issue 14): boto3 and the AWS SDK for JavaScript v3 invoking
functions run by the real shims (Python and Node) through the generated lambda-invoke
service, as function code does in the stack (AWS_ENDPOINT_URL_LAMBDA)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.e2e import invoke_service as svc
from tests.e2e.conftest import NODE_MISSING
from tests.runtime import harness
from tests.servers import NODE_DIR, free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.servers,
    pytest.mark.skipif(NODE_MISSING, reason="node missing"),
]
NODE_CLIENT = Path(__file__).resolve().parent / "fixtures" / "invoke" / "sdk-invoke.cjs"
HANDLERS = {"echo": "echo.handler", "boom": "boom.handler", "record": "record.handler"}
RUNTIMES = ["py", "node"]


@dataclass
class Estate:
    service: svc.InvokeService
    shims: dict[str, harness.Shim]
    records: Path
    tmp: Path

    def client(self) -> Any:
        return boto3.client("lambda", endpoint_url=self.service.url, region_name="us-east-1")


def _shim_config(runtime: str) -> dict[str, Any]:
    lang = "python" if runtime == "py" else "node"
    functions = {
        f"{runtime}-{name}": {"handler": h, "codeDir": lang, "timeout": 5, "memory": 128}
        for name, h in HANDLERS.items()
    }
    functions[f"{runtime}-slow"] = {"handler": "echo.handler", "codeDir": lang, "timeout": 1}
    if runtime == "py":
        functions["py-fanout"] = {"handler": "fanout.handler", "codeDir": "python", "timeout": 10}
        functions["later"] = {"handler": "record.handler", "codeDir": "python", "timeout": 5}
    return {
        "api": {"id": "a", "kind": "rest", "stage": "prod", "binaryMediaTypes": []},
        "functions": functions,
        "routes": [],
    }


def invoke_config(shims: dict[str, harness.Shim]) -> dict[str, Any]:
    functions = {}
    for shim in shims.values():
        base = f"http://127.0.0.1:{shim.port}/__cloudexit/invoke/"
        for name in _shim_config("py" if shim.runtime == "python" else "node")["functions"]:
            functions[name] = svc.function_entry(base + name)
    return {"region": "us-east-1", "functions": functions, "notifications": []}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    tmp = tmp_path_factory.mktemp("invoke")
    records = tmp / "records"
    records.mkdir()
    port = free_port()
    env = {
        "RECORD_DIR": str(records),
        "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{port}",
        "NODE_PATH": str(NODE_DIR / "node_modules"),
        "AWS_ACCESS_KEY_ID": "cloudexit",
        "AWS_SECRET_ACCESS_KEY": "cloudexit",
    }
    with (
        harness.start("python", _shim_config("py"), tmp, env) as py,
        harness.start("node", _shim_config("node"), tmp, env) as node,
    ):
        shims = {"py": py, "node": node}
        with svc.start(invoke_config(shims), tmp, port, tmp / "journal.sqlite3") as service:
            yield Estate(service, shims, records, tmp)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boto3_sync_returns_the_payload(estate: Estate, runtime: str) -> None:
    client = estate.client()
    name = f"{runtime}-echo"
    for function_name, qualifier in [
        (name, None),
        (f"arn:aws:lambda:us-east-1:000000000000:function:{name}", None),
        (f"000000000000:function:{name}:$LATEST", None),
        (f"{name}:live", "live"),
    ]:
        extra = {"Qualifier": qualifier} if qualifier else {}
        reply = client.invoke(
            FunctionName=function_name, Payload=json.dumps({"n": 1}).encode(), **extra
        )
        assert reply["StatusCode"] == 200 and "FunctionError" not in reply
        assert reply["ExecutedVersion"] == "$LATEST"
        result = json.loads(reply["Payload"].read())
        body = json.loads(result["body"])
        assert body["event"] == {"n": 1} and body["context"]["functionName"] == name
    tail = client.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
    lines = base64.b64decode(tail["LogResult"]).decode().splitlines()
    assert lines[0].startswith("START RequestId: ") and lines[-1].startswith("REPORT RequestId: ")
    assert tail["ResponseMetadata"]["RequestId"] in lines[0]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boto3_handler_error_is_unhandled(estate: Estate, runtime: str) -> None:
    reply = estate.client().invoke(FunctionName=f"{runtime}-boom", Payload=b"{}")
    assert reply["StatusCode"] == 200 and reply["FunctionError"] == "Unhandled"
    error = json.loads(reply["Payload"].read())
    assert error["errorType"] == "ItemError" and error["errorMessage"] == "kaboom"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boto3_timeout_is_unhandled(estate: Estate, runtime: str) -> None:
    event = {"queryStringParameters": {"sleepMs": "2500"}}  # the function's timeout is 1 s
    reply = estate.client().invoke(FunctionName=f"{runtime}-slow", Payload=json.dumps(event))
    assert reply["StatusCode"] == 200 and reply["FunctionError"] == "Unhandled"
    error = json.loads(reply["Payload"].read())
    assert error["errorType"] == "TimeoutError"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]


def test_boto3_dry_run_unknown_function_and_bad_qualifier(estate: Estate) -> None:
    client = estate.client()
    dry = client.invoke(FunctionName="py-echo", InvocationType="DryRun")
    assert dry["StatusCode"] == 204 and dry["Payload"].read() == b""
    with pytest.raises(ClientError) as missing:
        client.invoke(FunctionName="nope", Payload=b"{}")
    error = missing.value.response
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "function:nope" in error["Error"]["Message"]
    with pytest.raises(ClientError) as mismatch:
        client.invoke(FunctionName="py-echo:one", Qualifier="two", Payload=b"{}")
    assert mismatch.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as bad:
        client.invoke(FunctionName="py-echo", Payload=b"{not json")
    assert bad.value.response["Error"]["Code"] == "InvalidRequestContentException"


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_boto3_async_runs_the_function(estate: Estate, runtime: str) -> None:
    marker = {"async": runtime}
    reply = estate.client().invoke(
        FunctionName=f"{runtime}-record", InvocationType="Event", Payload=json.dumps(marker)
    )
    assert reply["StatusCode"] == 202 and reply["Payload"].read() == b""
    found = svc.wait_for(lambda: marker in svc.recorded(estate.records, f"{runtime}-record"))
    assert found


def test_async_function_error_is_retried_twice(estate: Estate) -> None:
    """1 attempt + 2 retries (after 60 s and 120 s, scaled by INVOKE_RETRY_SCALE=0.02)."""
    shim = estate.shims["py"]
    before = len([x for x in shim.stderr_lines() if x.get("function") == "py-boom"])
    reply = estate.client().invoke(FunctionName="py-boom", InvocationType="Event", Payload=b"{}")
    assert reply["StatusCode"] == 202

    def errors() -> int:
        return len([x for x in shim.stderr_lines() if x.get("function") == "py-boom"]) - before

    svc.wait_for(lambda: errors() >= 3, timeout=30)
    svc.wait_for(lambda: "dropped (failed after 2 retries)" in estate.service.log.read_text())
    assert errors() == 3


def test_function_invokes_another_through_the_endpoint(estate: Estate) -> None:
    """The fanout handler uses boto3 with AWS_ENDPOINT_URL_LAMBDA only, as in the stack."""
    client = estate.client()

    def fan(event: dict[str, Any]) -> dict[str, Any]:
        reply = client.invoke(FunctionName="py-fanout", Payload=json.dumps(event).encode())
        assert "FunctionError" not in reply, reply["Payload"].read()
        result: dict[str, Any] = json.loads(reply["Payload"].read())
        return result

    sync = fan({"target": "node-echo", "payload": {"hello": "node"}})
    assert sync["status"] == 200 and json.loads(sync["payload"]["body"])["event"] == {
        "hello": "node"
    }
    failed = fan({"target": "node-boom"})
    assert failed["functionError"] == "Unhandled" and failed["payload"]["errorType"] == "ItemError"
    queued = fan({"target": "node-record", "type": "Event", "payload": {"from": "fanout"}})
    assert queued["status"] == 202
    svc.wait_for(lambda: {"from": "fanout"} in svc.recorded(estate.records, "node-record"))


def test_async_event_survives_a_restart_of_the_service(estate: Estate) -> None:
    """Accepted while the function is unreachable, the service killed (SIGKILL: no clean
    shutdown), restarted on the same journal: the event still runs (at least once)."""
    tmp, journal, port = estate.tmp, estate.tmp / "restart.sqlite3", free_port()
    config = invoke_config(estate.shims)
    config["functions"]["later"]["url"] = f"http://127.0.0.1:{free_port()}/__cloudexit/invoke/later"
    with svc.start(config, tmp, port, journal) as first:
        client = boto3.client("lambda", endpoint_url=first.url, region_name="us-east-1")
        reply = client.invoke(
            FunctionName="later", InvocationType="Event", Payload=b'{"survives": true}'
        )
        assert reply["StatusCode"] == 202
        svc.wait_for(lambda: "not delivered" in first.log.read_text())
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=10)
    assert svc.recorded(estate.records, "later") == []
    with svc.start(invoke_config(estate.shims), tmp, port, journal):
        svc.wait_for(lambda: svc.recorded(estate.records, "later") == [{"survives": True}])


def _node_sdk(estate: Estate, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "NODE_PATH": str(NODE_DIR / "node_modules"),
        "AWS_ENDPOINT_URL_LAMBDA": estate.service.url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "cloudexit",
        "AWS_SECRET_ACCESS_KEY": "cloudexit",
    }
    assert harness.NODE is not None
    done = subprocess.run(
        [harness.NODE, str(NODE_CLIENT), json.dumps(calls)],
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_node_sdk_v3_sync_async_error(estate: Estate) -> None:
    sync, error, queued, dry, missing = _node_sdk(
        estate,
        [
            {"FunctionName": "py-echo", "Payload": {"from": "node-sdk"}},
            {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:node-boom"},
            {"FunctionName": "node-record", "InvocationType": "Event", "Payload": {"sdk": "v3"}},
            {"FunctionName": "py-echo", "InvocationType": "DryRun"},
            {"FunctionName": "nope"},
        ],
    )
    assert sync["StatusCode"] == 200 and sync["FunctionError"] is None
    assert sync["ExecutedVersion"] == "$LATEST"
    assert json.loads(sync["Payload"]["body"])["event"] == {"from": "node-sdk"}
    assert error["StatusCode"] == 200 and error["FunctionError"] == "Unhandled"
    assert error["Payload"]["errorType"] == "ItemError"
    assert queued["StatusCode"] == 202 and dry["StatusCode"] == 204
    assert missing["error"] == "ResourceNotFoundException" and missing["status"] == 404
    svc.wait_for(lambda: {"sdk": "v3"} in svc.recorded(estate.records, "node-record"))
