"""API Gateway WebSocket APIs (issue 17) through the real Traefik, the generated shim and the
generated websocket gateway, all as local processes: tests/e2e/fixtures/websocket. The chat
handler pushes with boto3's apigatewaymanagementapi client at
``https://{domainName}/{stage}``, as real handlers do: here the gateway serves @connections
with TLS on a certificate made for the test (the function trusts it by AWS_CA_BUNDLE)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection

from tests.e2e import stack as e2e
from tests.servers import free_ports, traefik, wait_http

pytestmark = [pytest.mark.e2e, pytest.mark.servers]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "websocket"
DOMAIN = "chat.test"


@contextlib.contextmanager
def gateway(
    out: Path, compose: dict[str, Any], tmp: Path, ports: dict[str, int], hosts: dict[str, int]
) -> Iterator[Path]:
    """The generated websocket gateway as a process with its compose environment, its
    functions on loopback; its certificate is made for localhost in ``tmp/tls``."""
    text = (out / "websocket" / "config.json").read_text()
    for host, port in hosts.items():
        text = text.replace(f"http://{host}:8080", f"http://127.0.0.1:{port}")
    config = tmp / "websocket.json"
    config.write_text(text)
    (tmp / "tls").mkdir()
    env = {**e2e.base_env(), **compose["services"]["websocket"]["environment"]}
    env |= {"PORT": str(ports["ws"]), "MGMT_PORT": str(ports["mgmt"])}
    env |= {"MGMT_TLS_PORT": str(ports["tls"]), "MGMT_TLS_DIR": str(tmp / "tls")}
    env |= {"MGMT_TLS_NAME": "localhost", "WS_DOMAIN_NAME": f"localhost:{ports['tls']}"}
    log = tmp / "websocket.log"
    script = out / "websocket" / "websocket_gateway.py"
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, str(script), str(config)], env=env, stdout=fh,
                                stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{ports['mgmt']}/__health", timeout=20)
        yield log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Chat:
    def __init__(self, stack: e2e.Stack, mgmt: int) -> None:
        self.stack = stack
        self.mgmt = mgmt

    def connect(self, path: str = "/production?name=alice") -> ClientConnection:
        """A client through Traefik's websecure entry point (plain here), Host = the domain."""
        sock = socket.create_connection(("127.0.0.1", self.stack.websecure), timeout=10)
        return connect(f"ws://{DOMAIN}{path}", sock=sock, open_timeout=15)

    def management(self) -> Any:
        return boto3.client(
            "apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{self.mgmt}/production",
            region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
        )  # fmt: skip


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    tmp = tmp_path_factory.mktemp("websocket")
    out = tmp / "stack"
    compose = e2e.generate(FIXTURE, out, DOMAIN)
    functions = {
        name: svc
        for name, svc in compose["services"].items()
        if (svc.get("labels") or {}).get("cloudexit.role") == "function" and "build" in svc
    }
    ports = free_ports(len(functions) + 7)
    web, websecure, ping, api, ws, mgmt, tls = ports[-7:]
    gw_ports = {"ws": ws, "mgmt": mgmt, "tls": tls}
    endpoints = e2e.Endpoints(dynamodb="http://127.0.0.1:9", s3="http://127.0.0.1:9")
    hosts = dict(zip(functions, ports, strict=False))
    with contextlib.ExitStack() as cm:
        logs = {"websocket": cm.enter_context(gateway(out, compose, tmp, gw_ports, hosts))}
        for (name, svc), port in zip(functions.items(), ports, strict=False):
            env = svc["environment"]  # the generated trust of the gateway's certificate
            for var in ("AWS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
                env[var] = env[var].replace("/etc/cloudexit/websocket-tls", str(tmp / "tls"))
            logs[name] = cm.enter_context(e2e.function_process(out, name, svc, endpoints, port,
                                                               tmp))  # fmt: skip
        hosts["websocket"] = ws
        entry = {"web": web, "websecure": websecure, "ping": ping, "traefik": api}
        static = e2e.traefik_config(out, tmp, hosts, entry)
        api_url = cm.enter_context(traefik(static, api))
        stack = e2e.Stack(out, DOMAIN, compose, web, websecure, api_url, hosts, logs)
        expected = sum(
            len((yaml.safe_load(p.read_text()) or {}).get("http", {}).get("routers", {}))
            for p in (out / "traefik" / "dynamic").glob("*.yml")
        )
        e2e.wait_routers(stack, expected)
        yield Chat(stack, mgmt)


def events(client: Connection) -> list[dict[str, Any]]:
    """The handler's recorded events, through the two-way `events` route."""
    client.send(json.dumps({"action": "events"}))
    found: list[dict[str, Any]] = json.loads(client.recv(timeout=15))
    return found


def test_sendmessage_reaches_every_client_through_connections(chat: Chat) -> None:
    with chat.connect() as alice, chat.connect("/production?name=bob") as bob:
        alice.send(json.dumps({"action": "sendmessage", "data": "hello from alice"}))
        assert bob.recv(timeout=15) == "hello from alice"
        assert alice.recv(timeout=15) == "hello from alice"


def test_connect_refused_by_the_handler_and_by_a_refused_authorization(chat: Chat) -> None:
    with pytest.raises(InvalidStatus) as refused:
        chat.connect("/production?name=intruder")
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as locked:  # AWS_IAM: fail closed
        chat.connect("/locked")
    assert locked.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as unknown:
        chat.connect("/nowhere")
    assert unknown.value.response.status_code in (403, 404)


@pytest.mark.parametrize(
    ("query", "status"), [("", 401), ("?token=wrong", 401), ("?token=deny", 403)]
)
def test_lambda_request_authorizer_on_connect_refuses(chat: Chat, query: str, status: int) -> None:
    with pytest.raises(InvalidStatus) as refused:
        chat.connect(f"/guarded{query}")
    assert refused.value.response.status_code == status


def test_lambda_request_authorizer_allows_and_its_context_reaches_the_routes(chat: Chat) -> None:
    with chat.connect("/guarded?token=letmein") as client:
        client.send("anything")
        assert json.loads(client.recv(timeout=15)) == {"plan": "gold", "principalId": "alice"}


def test_events_have_api_gateway_shapes_and_disconnect_runs(chat: Chat) -> None:
    with chat.connect("/production?name=carol&room=1") as carol:
        carol.send(json.dumps({"action": "sendmessage", "data": "hi"}))
        assert carol.recv(timeout=15) == "hi"
        seen = events(carol)
    carol_id = next(
        e["requestContext"]["connectionId"]
        for e in reversed(seen)
        if (e.get("queryStringParameters") or {}).get("name") == "carol"
    )
    connect = next(e for e in seen if e["requestContext"]["connectionId"] == carol_id)
    ctx = connect["requestContext"]
    assert (ctx["eventType"], ctx["routeKey"], ctx["stage"]) == (
        "CONNECT",
        "$connect",
        "production",
    )
    assert connect["queryStringParameters"] == {"name": "carol", "room": "1"}
    assert ctx["apiId"] == "chat" and ctx["identity"]["sourceIp"]
    assert isinstance(ctx["connectedAt"], int) and isinstance(ctx["requestTimeEpoch"], int)
    message = next(e for e in seen if e["requestContext"]["routeKey"] == "sendmessage"
                   and e["requestContext"]["connectionId"] == carol_id)  # fmt: skip
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert message["requestContext"]["messageId"]
    assert json.loads(message["body"]) == {"action": "sendmessage", "data": "hi"}
    assert message["isBase64Encoded"] is False
    with chat.connect() as dave:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            gone = [e for e in events(dave) if e["requestContext"]["eventType"] == "DISCONNECT"]
            if any(e["requestContext"]["connectionId"] == carol_id for e in gone):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("$disconnect was not invoked for the closed connection")


def test_connections_api_get_delete_and_gone(chat: Chat) -> None:
    client = chat.management()
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="nobodyhere0=", Data=b"x")
    with chat.connect() as erin:
        connection_id = next(
            e["requestContext"]["connectionId"]
            for e in reversed(events(erin))
            if e["requestContext"]["eventType"] == "MESSAGE"
        )
        info = client.get_connection(ConnectionId=connection_id)
        assert info["Identity"]["SourceIp"] and info["ConnectedAt"] <= info["LastActiveAt"]
        client.post_to_connection(ConnectionId=connection_id, Data=b"pushed")
        assert erin.recv(timeout=10) == "pushed"
        client.delete_connection(ConnectionId=connection_id)
        with pytest.raises(Exception, match=r"1000|closed|Going away"):
            erin.recv(timeout=10)
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId=connection_id)
