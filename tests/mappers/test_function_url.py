"""aws_lambda_function_url: a router on the URL's own host to the function (payload 2.0),
AWS_IAM refused at the edge (fail closed), CORS as configured, exports resolved; the shim
config chooses the URL by Host (tests/e2e/test_function_urls.py runs it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci import yamlio
from cloudexit_ci.convert import convert
from cloudexit_ci.main import main
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose, docs, traefik
from cloudexit_ci.render.functions import shim_config
from cloudexit_ci.stack import Cors, Stack
from cloudexit_ci.terraform.load import load_module
from tests.mappers.helpers import stack_of

FUNCTIONS = """
resource "aws_lambda_function" "web" {
  function_name = "web-app"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "web.zip"
}
resource "aws_lambda_function" "reader" {
  function_name = "reader"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "reader.zip"
  environment {
    variables = {
      WEB_URL = aws_lambda_function_url.web.function_url
      WEB_ID  = aws_lambda_function_url.web.url_id
    }
  }
}
"""
PUBLIC = (
    FUNCTIONS
    + """
resource "aws_lambda_function_url" "web" {
  function_name      = aws_lambda_function.web.function_name
  authorization_type = "NONE"
  cors {
    allow_origins     = ["https://b.example.com", "https://a.example.com"]
    allow_methods     = ["get", "POST"]
    allow_headers     = ["content-type"]
    expose_headers    = ["x-total"]
    allow_credentials = true
    max_age           = 300
  }
}
"""
)
IAM = (
    FUNCTIONS
    + """
resource "aws_lambda_function_url" "web" {
  function_name      = aws_lambda_function.web.arn
  authorization_type = "AWS_IAM"
}
"""
)
OPENED = IAM.replace(
    '  authorization_type = "AWS_IAM"',
    '  # cloudexit:ignore public reason="behind the VPN"\n  authorization_type = "AWS_IAM"',
)
ADDRESS = "aws_lambda_function_url.web"


def entry(stack: Stack) -> tuple[str, str, tuple[str, ...], bool]:
    found = next(c for c in stack.coverage if c.origin.address == ADDRESS)
    return found.status, found.reason, found.lost, found.blocking


def dynamic(stack: Stack, key: str) -> dict[str, Any]:
    document, _ = traefik.dynamic_files(stack)[key]
    data: dict[str, Any] = yamlio.load(yamlio.dump(document, header="h"))["http"]
    return data


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return stack_of(tmp_path_factory.mktemp("public"), PUBLIC)


def test_a_public_url_is_an_api_on_its_own_host_with_one_default_route(public: Stack) -> None:
    api = public.apis["web-app-url"]
    assert (api.kind, api.payload_version, api.host) == (
        "url",
        "2.0",
        "web-app.lambda-url.app.example.com",
    )
    (route,) = [r for r in public.routes if r.api == api.key]
    assert (route.method, route.path, route.function, route.auth) == (
        "ANY",
        "$default",
        "web-app",
        None,
    )
    status, reason, lost, blocking = entry(public)
    assert (status, lost, blocking) == ("mapped", (), False)
    assert "https://web-app.lambda-url.app.example.com/" in reason


def test_cors_is_the_block_as_configured(public: Stack) -> None:
    assert public.apis["web-app-url"].cors == Cors(
        allow_origins=("https://a.example.com", "https://b.example.com"),
        allow_methods=("GET", "POST"),
        allow_headers=("content-type",),
        expose_headers=("x-total",),
        allow_credentials=True,
        max_age_s=300,
    )


def test_the_router_matches_the_url_host_and_answers_preflight(public: Stack) -> None:
    http = dynamic(public, "web-app-url")
    router = http["routers"]["web-app-url-any-default"]
    assert router["rule"] == "Host(`web-app.lambda-url.app.example.com`)"
    assert router["service"] == "web-app"
    assert router["middlewares"] == ["web-app-url-edge-headers", "web-app-url-cors"]
    preflight = http["routers"]["web-app-url-cors-preflight"]
    assert preflight["rule"] == "Host(`web-app.lambda-url.app.example.com`) && Method(`OPTIONS`)"
    cors = http["middlewares"]["web-app-url-cors"]["headers"]
    assert cors["accessControlAllowOriginList"] == [
        "https://a.example.com",
        "https://b.example.com",
    ]
    assert cors["accessControlAllowCredentials"] is True and cors["accessControlMaxAge"] == 300


def test_the_shim_config_names_the_url_by_host(public: Stack) -> None:
    config = shim_config(public, [public.functions["web-app"]], False)
    assert config["urls"] == {
        "web-app.lambda-url.app.example.com": {"id": "web-app", "function": "web-app"}
    }
    assert config["routes"] == []  # the URL is not an API route of the domain


def test_exports_resolve_to_the_self_hosted_url(public: Stack) -> None:
    env = compose.compose_document(public)["services"]["reader"]["environment"]
    assert env["WEB_URL"] == "https://web-app.lambda-url.app.example.com/"
    assert env["WEB_ID"] == "web-app"


def test_the_runbook_lists_the_url(public: Stack) -> None:
    text = "\n".join(docs._routes(public))
    assert "https://web-app.lambda-url.app.example.com/ (function URL)" in text


def test_aws_iam_is_refused_at_the_edge_and_blocking(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, IAM)
    (route,) = [r for r in stack.routes if r.api == "web-app-url"]
    assert route.auth is not None and "AWS_IAM" in route.auth.denied
    status, reason, _, blocking = entry(stack)
    assert (status, blocking) == ("unmapped", True)
    assert "403" in reason and "cloudexit:ignore public" in reason
    router = dynamic(stack, "web-app-url")["routers"]["web-app-url-any-default"]
    assert router["service"] == traefik.NOWHERE
    assert router["middlewares"][-1] == "web-app-url-any-default-auth"
    config = json.loads(json.dumps(stack.extra_files["gateway-auth/config.json"].data))
    assert config["routes"]["web-app-url-any-default"]["denied"]


def test_aws_iam_opened_by_an_ignore_is_public_and_partial(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, OPENED)
    (route,) = [r for r in stack.routes if r.api == "web-app-url"]
    assert route.auth is None
    status, _, lost, blocking = entry(stack)
    assert (status, blocking) == ("partial", False)
    assert "NOT enforced" in lost[0] and "behind the VPN" in lost[0]
    assert (
        dynamic(stack, "web-app-url")["routers"]["web-app-url-any-default"]["service"] == "web-app"
    )


@pytest.mark.parametrize(
    ("extra", "status", "blocking", "lost"),
    [
        ('qualifier = "live"', "partial", False, "qualifier `live`"),
        ('invoke_mode = "RESPONSE_STREAM"', "partial", True, "response streaming"),
        ('invoke_mode = "BUFFERED"', "mapped", False, ""),
        ('qualifier = "$LATEST"', "mapped", False, ""),
    ],
)
def test_what_is_not_reproduced_is_said(
    tmp_path: Path, extra: str, status: str, blocking: bool, lost: str
) -> None:
    hcl = PUBLIC.replace('authorization_type = "NONE"', f'authorization_type = "NONE"\n  {extra}')
    found_status, _, found_lost, found_blocking = entry(stack_of(tmp_path, hcl))
    assert (found_status, found_blocking) == (status, blocking)
    assert lost in " ".join(found_lost)


def test_a_url_of_a_function_not_here_is_unmapped(tmp_path: Path) -> None:
    hcl = 'resource "aws_lambda_function_url" "web" { function_name = "elsewhere" }'
    stack = stack_of(tmp_path, hcl)
    status, _, _, blocking = entry(stack)
    assert (status, blocking) == ("unmapped", True)
    assert not stack.apis and not stack.routes


def test_consolidated_one_container_serves_api_routes_and_urls(tmp_path: Path) -> None:
    hcl = (
        PUBLIC
        + """
resource "aws_lambda_function" "api" {
  function_name = "api-fn"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "web.zip"
}
resource "aws_apigatewayv2_api" "http" {
  name          = "shop"
  protocol_type = "HTTP"
  target        = aws_lambda_function.api.arn
}
"""
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(hcl)
    module = load_module(tmp_path / "tf", repo_root=tmp_path)
    options = Options(domain="app.example.com", serverless_mode="consolidated")
    stack = convert(module, options)
    image = next(i for i in stack.function_images.values() if "web-app" in i.functions)
    functions = [stack.functions[k] for k in image.functions]
    config = shim_config(stack, functions, True)
    assert config["api"]["id"] == "shop" and config["api"]["domainName"] == "app.example.com"
    assert [r["function"] for r in config["routes"]] == ["api-fn"]
    assert list(config["urls"]) == ["web-app.lambda-url.app.example.com"]


def test_two_urls_of_one_function_get_two_hosts(tmp_path: Path) -> None:
    hcl = (
        PUBLIC
        + """
resource "aws_lambda_function_url" "live" {
  function_name      = aws_lambda_function.web.function_name
  qualifier          = "live"
  authorization_type = "NONE"
}
"""
    )
    stack = stack_of(tmp_path, hcl)
    hosts = sorted(api.host.split(".", 1)[0] for api in stack.apis.values())
    assert hosts == ["web-app", "web-app-live"]
    rules = {r.name: r.hosts for r in stack.http_routes if r.name.endswith("any-default")}
    assert len(set(rules.values())) == 2


def test_smoke_does_not_probe_function_urls_on_the_domain(tmp_path: Path) -> None:
    """The manifest's routes are what `smoke` probes on the domain: a URL has its own host."""
    fixture = Path(__file__).resolve().parents[1] / "e2e" / "fixtures" / "urls"
    assert main(["migrate", str(fixture), "--output", str(tmp_path / "out")]) == 0
    manifest = json.loads((tmp_path / "out" / ".cloudexit" / "manifest.json").read_text())
    assert [(r["method"], r["path"]) for r in manifest["routes"]] == [("GET", "/echo")]
