"""The Lambda Invoke API in the generated stack: AWS_ENDPOINT_URL_LAMBDA on every function
container (containerized, consolidated, container images), the `lambda-invoke` service
only when there are functions, internal network only, and the async invoke config."""

from __future__ import annotations

import json
from pathlib import Path

from cloudexit_ci.convert import convert
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose, traefik
from cloudexit_ci.render.extras import extra_files
from cloudexit_ci.stack import Stack
from cloudexit_ci.terraform.load import load_module
from tests.mappers.helpers import stack_of, status

FUNCTIONS = """
resource "aws_lambda_function" "api" {
  function_name = "api"
  runtime       = "python3.12"
  handler       = "h.handler"
  filename      = "a.zip"
  timeout       = 10
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "w.zip"
}
resource "aws_lambda_function" "img" {
  function_name = "img"
  package_type  = "Image"
  image_uri     = "registry.example.com/img:1"
}
"""
ASYNC = """
resource "aws_sqs_queue" "dlq" {
  name = "dlq"
}
resource "aws_lambda_function_event_invoke_config" "worker" {
  function_name                = aws_lambda_function.worker.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 120
  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}
resource "aws_lambda_function_event_invoke_config" "api" {
  function_name = aws_lambda_function.api.arn
}
resource "aws_lambda_function_event_invoke_config" "elsewhere" {
  function_name = "not-here"
}
"""


def _config(stack: Stack) -> dict[str, object]:
    data, _ = extra_files(stack, "header")["lambda-invoke/functions.json"]
    found: dict[str, object] = json.loads(data)
    return found


def test_every_function_container_gets_the_endpoint(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, FUNCTIONS)
    services = compose.compose_document(stack)["services"]
    functions = [n for n, s in stack.services.items() if s.role == "function"]
    assert sorted(functions) == ["api", "img", "worker"]
    for name in functions:
        env = services[name]["environment"]
        assert env["AWS_ENDPOINT_URL_LAMBDA"] == "http://lambda-invoke:9912", name
        assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"], name  # SDKs sign
    assert "AWS_ENDPOINT_URL_LAMBDA" not in services["lambda-invoke"].get("environment", {})


def test_consolidated_functions_get_it_too(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    tf = tmp_path / "tf"
    tf.mkdir()
    (tf / "main.tf").write_text(FUNCTIONS)
    options = Options(
        domain="app.example.com", output_dir=str(tmp_path / "out"), serverless_mode="consolidated"
    )
    stack = convert(load_module(tf, repo_root=tmp_path), options)
    services = compose.compose_document(stack)["services"]
    served = [n for n, s in stack.services.items() if s.role == "function"]
    assert sorted(served) == ["api-nodejs20", "api-python312", "img"]
    for name in served:
        assert services[name]["environment"]["AWS_ENDPOINT_URL_LAMBDA"].endswith(":9912")
    functions = _config(stack)["functions"]
    assert isinstance(functions, dict)
    urls = {n: f["url"] for n, f in functions.items()}
    for name, url in urls.items():  # each function through the container that serves it
        service = next(s for s in stack.services.values() if any(
            stack.functions[k].function_name == name for k in s.serves))  # fmt: skip
        assert url == f"http://{service.name}:8080/__cloudexit/invoke/{name}"


def test_the_service_internal_only_with_a_journal_volume(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, FUNCTIONS)
    service = compose.compose_document(stack)["services"]["lambda-invoke"]
    assert service["networks"] == ["backend"] and "ports" not in service
    assert "lambda-invoke-data:/var/lib/lambda-invoke" in service["volumes"]
    assert "lambda-invoke-data" in compose.compose_document(stack)["volumes"]
    assert service["stop_grace_period"] == "30s" and service["healthcheck"]["test"][0] == "CMD"
    assert set(service["depends_on"]) == {"api", "worker", "img"}
    edge = json.dumps([doc for doc, _ in traefik.dynamic_files(stack).values()])
    assert "lambda-invoke" not in edge and "9912" not in edge  # no route from outside
    dockerfile, _ = extra_files(stack, "header")["lambda-invoke/Dockerfile"]
    assert b"chown 10001:10001 /var/lib/lambda-invoke" in dockerfile
    functions = _config(stack)["functions"]
    assert functions == {
        "api": {
            "arn": "arn:aws:lambda:us-east-1:000000000000:function:api",
            "maxEventAge": 21600,
            "maxRetries": 2,
            "timeout": 10,
            "url": "http://api:8080/__cloudexit/invoke/api",
        },
        "img": {
            "arn": "arn:aws:lambda:us-east-1:000000000000:function:img",
            "maxEventAge": 21600,
            "maxRetries": 2,
            "timeout": 3,
            "unsupported": "it runs a container image without the cloudexit shim: "
            "Invoke cannot reach its handler",
            "url": "http://img:8080/__cloudexit/invoke/img",
        },
        "worker": {
            "arn": "arn:aws:lambda:us-east-1:000000000000:function:worker",
            "maxEventAge": 21600,
            "maxRetries": 2,
            "timeout": 3,
            "url": "http://worker:8080/__cloudexit/invoke/worker",
        },
    }


def test_no_functions_no_service(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    assert "lambda-invoke" not in stack.services and "lambda-invoke-data" not in stack.volumes
    assert "AWS_ENDPOINT_URL_LAMBDA" not in stack.function_env
    assert not [p for p in stack.extra_files if p.startswith("lambda-invoke/")]


def test_event_invoke_config_sets_retries_and_age(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, FUNCTIONS + ASYNC)
    functions = _config(stack)["functions"]
    assert isinstance(functions, dict)
    assert (functions["worker"]["maxRetries"], functions["worker"]["maxEventAge"]) == (0, 120)
    assert (functions["api"]["maxRetries"], functions["api"]["maxEventAge"]) == (2, 21600)
    worker = next(
        c for c in stack.coverage if c.origin.address.endswith("event_invoke_config.worker")
    )
    assert worker.status == "partial" and "on-failure destination" in worker.lost[0]
    assert status(stack, "aws_lambda_function_event_invoke_config.api") == "mapped"
    assert status(stack, "aws_lambda_function_event_invoke_config.elsewhere") == "unmapped"
    _, sources = extra_files(stack, "header")["lambda-invoke/functions.json"]
    assert "aws_lambda_function_event_invoke_config.worker" in sources
