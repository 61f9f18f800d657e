"""examples/full-estate in the real Docker Engine: PostgreSQL, Valkey, ElasticMQ (SQS) with a
dead-letter queue, the SQS poller, the EventBridge scheduler, the SNS fan-out, the Lambda
Invoke API, two Python functions, Keycloak and the ECS web service behind the Traefik
container."""

from __future__ import annotations

import json
import time

import pytest

from tests.docker.checks import (
    assert_all_up,
    assert_down_clean,
    assert_healthchecked,
    assert_smoke_passes,
)
from tests.docker.stack import ComposeStack

pytestmark = pytest.mark.docker
EXAMPLE = "full-estate"
HOST = "app.example.com"
HEALTHCHECKED = {
    "traefik", "estate-nightly", "estate-worker", "estate-web", "keycloak", "sns",
    "estate-cache", "estate-db", "keycloak-db", "lambda-invoke",
}  # fmt: skip
# Runs in the scheduler container: its own code fires its job now, as at 02:30 UTC.
FIRE = """
import datetime, json, sys
sys.stderr = sys.stdout  # fire() logs its outcome on stderr
sys.path.insert(0, "/opt/scheduler")
import scheduler
job = json.load(open("/opt/scheduler/schedules.json"))["jobs"][0]
scheduler.fire(job, datetime.datetime.now(datetime.timezone.utc))
"""
# Runs in the sns container: an SNS Publish as an SDK sends it (Query protocol).
PUBLISH = """
import sys, urllib.parse, urllib.request
form = {"Action": "Publish", "TopicArn": sys.argv[1], "Message": sys.argv[2]}
data = urllib.parse.urlencode(form).encode()
with urllib.request.urlopen("http://127.0.0.1:9911/", data=data, timeout=10) as reply:
    print(reply.status)
"""

# Runs in the estate-nightly container: boto3 invokes estate-worker as function code does,
# through the container's own AWS_ENDPOINT_URL_LAMBDA (no endpoint in the code).
INVOKE = """
import json, sys, boto3
kind, order = sys.argv[1], sys.argv[2]
event = {"Records": [{"messageId": order, "body": json.dumps({"order_id": order})}]}
reply = boto3.client("lambda").invoke(
    FunctionName="estate-worker", InvocationType=kind, Payload=json.dumps(event).encode())
body = reply["Payload"].read()
print(json.dumps({"status": reply["StatusCode"], "payload": json.loads(body) if body else None}))
"""


def invoke_worker(stack: ComposeStack, kind: str, order: str) -> dict[str, object]:
    out = stack.exec("estate-nightly", "python", "-c", INVOKE, kind, order)
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def wait_for_log(stack: ComposeStack, service: str, text: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in stack.logs(service, lines=500):
            return
        time.sleep(2)
    raise AssertionError(f"{service} never logged {text!r}:\n{stack.logs(service)}")


def test_every_service_up_and_healthy(compose_stack: ComposeStack) -> None:
    assert_all_up(compose_stack, one_shot=set())
    assert_healthchecked(compose_stack, HEALTHCHECKED)


def test_ecs_service_behind_traefik_gets_its_secrets(compose_stack: ComposeStack) -> None:
    reply = compose_stack.request("GET", "/api/orders", HOST)
    assert reply.status == 200, reply.body
    seen = reply.json()
    assert seen["path"] == "/api/orders" and seen["host"] == HOST
    assert seen["secret_files"] == ["secret_estate_stripe_key", "ssm_estate_signing_key"]
    assert seen["env_set"] == ["DB_HOST", "SIGNING_KEY", "STRIPE_KEY"]


def test_keycloak_realm_behind_traefik(compose_stack: ComposeStack) -> None:
    path = "/auth/realms/estate-users/.well-known/openid-configuration"
    reply = compose_stack.request("GET", path, HOST)
    assert reply.status == 200, reply.body
    assert reply.json()["issuer"] == f"https://{HOST}/auth/realms/estate-users"


def test_scheduled_function_feeds_the_queue_function(compose_stack: ComposeStack) -> None:
    """scheduler fires estate-nightly -> it sends to SQS -> the poller invokes estate-worker."""
    fired = compose_stack.exec("scheduler", "python", "-c", FIRE)
    assert "estate-nightly: ok" in fired, fired
    wait_for_log(compose_stack, "estate-worker", '"processed": "nightly-report"')


def test_sns_publish_reaches_the_queue_function(compose_stack: ComposeStack) -> None:
    topics = json.loads((compose_stack.dir / "sns" / "topics.json").read_text())["topics"]
    topic = next(arn for arn in topics if arn.endswith(":estate-events"))
    assert topic == "arn:aws:sns:eu-west-1:000000000000:estate-events"  # the provider's region
    message = json.dumps({"order_id": "sns-order-1"})
    assert compose_stack.exec("sns", "python", "-c", PUBLISH, topic, message).strip() == "200"
    wait_for_log(compose_stack, "estate-worker", '"processed": "sns-order-1"')


def test_one_function_invokes_another(compose_stack: ComposeStack) -> None:
    """boto3 in estate-nightly → lambda-invoke → estate-worker's shim: sync and async."""
    sync = invoke_worker(compose_stack, "RequestResponse", "invoke-sync")
    assert sync == {"status": 200, "payload": {"batchItemFailures": []}}
    wait_for_log(compose_stack, "estate-worker", '"processed": "invoke-sync"')
    assert invoke_worker(compose_stack, "Event", "invoke-async")["status"] == 202
    wait_for_log(compose_stack, "estate-worker", '"processed": "invoke-async"')


def test_async_invoke_survives_a_restart_of_the_invoke_service(
    compose_stack: ComposeStack,
) -> None:
    """Accepted while the worker is stopped, lambda-invoke restarted (its journal is on the
    volume), then the worker started: the event runs (at least once)."""
    compose_stack.compose("stop", "estate-worker", timeout=120)
    try:
        assert invoke_worker(compose_stack, "Event", "invoke-restart")["status"] == 202
        compose_stack.compose("restart", "lambda-invoke", timeout=120)
        # the new process found the accepted event in its journal (volume lambda-invoke-data)
        wait_for_log(compose_stack, "lambda-invoke", "1 event(s) pending", timeout=60)
    finally:
        # healthy again before the next tests (cloudexit smoke checks every function)
        compose_stack.compose("up", "-d", "--wait", "estate-worker", timeout=180)
    wait_for_log(compose_stack, "estate-worker", '"processed": "invoke-restart"', timeout=120)


def test_database_and_cache_take_the_env_passwords(compose_stack: ComposeStack) -> None:
    env = compose_stack.env()
    db = compose_stack.service_env("estate-db")
    sql = compose_stack.exec(
        "estate-db", "env", f"PGPASSWORD={env['ESTATE_DB_PASSWORD']}", "psql", "-h", "127.0.0.1",
        "-U", db["POSTGRES_USER"], "-d", "orders", "-tAc", "SELECT current_database()",
    )  # fmt: skip
    assert sql.strip() == "orders"
    pong = compose_stack.exec(
        "estate-cache", "valkey-cli", "--no-auth-warning", "-a", env["ESTATE_CACHE_AUTH_TOKEN"],
        "ping",
    )  # fmt: skip
    assert pong.strip() == "PONG"


def test_cloudexit_smoke(compose_stack: ComposeStack) -> None:
    assert_smoke_passes(compose_stack)


def test_down_leaves_nothing(compose_stack: ComposeStack) -> None:
    assert_down_clean(compose_stack)
