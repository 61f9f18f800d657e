"""WebSocket APIs in the real Docker Engine (tests/docker/fixtures/websocket): clients
connect through the Traefik container (wss, the websecure entry point), the chat handler's
boto3 post_to_connection at https://{domainName}/{stage} reaches the websocket container's
@connections API over TLS with the certificate it made (the function trusts it through the
generated AWS_CA_BUNDLE and the websocket-tls volume), and so does a Node.js handler's AWS
SDK v3 ApiGatewayManagementApiClient (NODE_EXTRA_CA_CERTS), a $connect refused by the handler,
by the Lambda REQUEST authorizer or by AWS_IAM (fail closed) is refused, and $disconnect
runs on close."""

from __future__ import annotations

import json
import socket
import ssl
import time
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.sync.connection import Connection

from tests.docker.checks import assert_all_up, assert_down_clean, assert_healthchecked
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "websocket"
GENERATE: tuple[str, ...] = ()
HOST = "chat.docker.test"


def client(stack: ComposeStack, path: str = "/production?name=alice") -> ClientConnection:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # Traefik's default certificate (no ACME here)
    sock = socket.create_connection(("127.0.0.1", stack.https_port), timeout=20)
    return connect(f"wss://{HOST}{path}", sock=sock, ssl=context, open_timeout=30)


def events(conn: Connection) -> list[dict[str, Any]]:
    conn.send(json.dumps({"action": "events"}))
    found: list[dict[str, Any]] = json.loads(conn.recv(timeout=30))
    return found


def test_every_service_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot=set())
    assert_healthchecked(compose_stack, {"websocket", "ws-chat", "ws-node-push", "lambda-invoke"})


def test_handler_pushes_through_connections(compose_stack: ComposeStack) -> None:
    with client(compose_stack) as alice, client(compose_stack, "/production?name=bob") as bob:
        alice.send(json.dumps({"action": "sendmessage", "data": "hello over TLS"}))
        assert bob.recv(timeout=30) == "hello over TLS", compose_stack.logs("ws-chat")
        assert alice.recv(timeout=30) == "hello over TLS"


def test_node_handler_pushes_with_sdk_v3(compose_stack: ComposeStack) -> None:
    with client(compose_stack, "/production?name=erin") as erin:
        erin.send(json.dumps({"action": "nodepush", "data": "hi"}))
        assert erin.recv(timeout=30) == "node: hi", compose_stack.logs("ws-node-push")


def test_refused_connections(compose_stack: ComposeStack) -> None:
    cases = {"/production?name=intruder": 403, "/locked": 403, "/guarded?token=x": 401,
             "/guarded?token=deny": 403}  # fmt: skip
    for path, status in cases.items():
        with pytest.raises(InvalidStatus) as refused:
            client(compose_stack, path)
        assert refused.value.response.status_code == status, path
    with client(compose_stack, "/guarded?token=letmein") as allowed:  # the Lambda authorizer
        allowed.send("hello")
        assert json.loads(allowed.recv(timeout=30)) == {"plan": "gold", "principalId": "alice"}


def test_disconnect_runs_on_close(compose_stack: ComposeStack) -> None:
    with client(compose_stack, "/production?name=carol") as carol:
        carol_id = events(carol)[-1]["requestContext"]["connectionId"]
    with client(compose_stack) as dave:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            gone = {
                e["requestContext"]["connectionId"]
                for e in events(dave)
                if e["requestContext"]["eventType"] == "DISCONNECT"
            }
            if carol_id in gone:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(compose_stack.logs("websocket"))


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
