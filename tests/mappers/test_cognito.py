"""Cognito user pools → Keycloak: realm import from data, no secret values, a probe that works."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.mappers import keycloak
from cloudexit_ci.render import compose
from cloudexit_ci.values import EnvRef
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_cognito_user_pool" "users" {
  name                     = "app-users"
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OPTIONAL"
  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_numbers   = true
    require_symbols   = false
    require_uppercase = true
    temporary_password_validity_days = 3
  }
  software_token_mfa_configuration {
    enabled = true
  }
  lambda_config {
    pre_sign_up       = "arn:aws:lambda:eu-west-1:1:function:pre"
    post_confirmation = "arn:aws:lambda:eu-west-1:1:function:post"
  }
  user_pool_add_ons {
    advanced_security_mode = "ENFORCED"
  }
}
resource "aws_cognito_user_pool_client" "web" {
  name                                 = "web"
  user_pool_id                         = aws_cognito_user_pool.users.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  callback_urls                        = ["https://app.example.com/callback"]
  logout_urls                          = ["https://app.example.com/"]
  explicit_auth_flows                  = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  access_token_validity                = 1
}
resource "aws_cognito_user_pool_client" "backend" {
  name                                 = "backend"
  user_pool_id                         = aws_cognito_user_pool.users.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  explicit_auth_flows                  = ["ALLOW_USER_PASSWORD_AUTH"]
  access_token_validity                = 30
  token_validity_units {
    access_token = "minutes"
  }
}
resource "aws_cognito_user_pool_domain" "d" {
  domain       = "app-login"
  user_pool_id = aws_cognito_user_pool.users.id
}
resource "aws_cognito_user_group" "admins" {
  name         = "admins"
  user_pool_id = aws_cognito_user_pool.users.id
  precedence   = 1
}
resource "aws_cognito_identity_provider" "google" {
  user_pool_id  = aws_cognito_user_pool.users.id
  provider_name = "Google"
  provider_type = "Google"
  provider_details = {
    client_id     = "google-client"
    client_secret = "idp-secret-do-not-leak"
  }
}
resource "aws_cognito_identity_pool" "ids" {
  identity_pool_name = "ids"
}
"""


def test_cognito_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("keycloak", "keycloak-db", "traefik")) == snapshot


def test_realm_import_from_data(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    realm = stack.extra_files["keycloak/import/app-users.json"].data
    assert realm["passwordPolicy"] == "length(12) and lowerCase(1) and upperCase(1) and digits(1)"
    assert realm["registrationEmailAsUsername"] and realm["loginWithEmailAllowed"]
    assert realm["verifyEmail"] and realm["resetPasswordAllowed"]
    clients = {c["clientId"]: c for c in realm["clients"]}
    web, backend = clients["web"], clients["backend"]
    assert web["publicClient"] and web["standardFlowEnabled"] and not web["implicitFlowEnabled"]
    assert web["redirectUris"] == ["https://app.example.com/callback"]
    assert web["attributes"]["access.token.lifespan"] == "3600"
    assert not backend["publicClient"] and backend["serviceAccountsEnabled"]
    assert backend["directAccessGrantsEnabled"] and not backend["standardFlowEnabled"]
    assert backend["secret"] == "${KEYCLOAK_CLIENT_BACKEND_SECRET}"
    assert backend["attributes"]["access.token.lifespan"] == "1800"
    assert realm["groups"] == [{"name": "admins", "path": "/admins"}]


def test_keycloak_service_and_coverage(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    keycloak = stack.services["keycloak"]
    env = dict(keycloak.environment)
    assert keycloak.image == "quay.io/keycloak/keycloak:26.3.3"
    assert keycloak.command == ("start", "--import-realm")
    assert env["KC_DB"] == "postgres" and env["KC_HEALTH_ENABLED"] == "true"
    assert env["KEYCLOAK_CLIENT_BACKEND_SECRET"] == EnvRef("KEYCLOAK_CLIENT_BACKEND_SECRET")
    assert env["KC_HOSTNAME"] == "https://app.example.com/auth"
    for var in ("KEYCLOAK_ADMIN_PASSWORD", "KEYCLOAK_DB_PASSWORD"):
        assert stack.env_vars[var].secret
    assert not stack.env_vars["KEYCLOAK_ADMIN_USER"].secret
    doc = compose.compose_document(stack)
    assert doc["secrets"]["keycloak_client_backend_secret"] == {
        "environment": "KEYCLOAK_CLIENT_BACKEND_SECRET"
    }
    pool = next(c for c in stack.coverage if c.origin.address == "aws_cognito_user_pool.users")
    lost = " ".join(pool.lost)
    assert pool.status == "partial"
    for word in ("password hashes", "MFA is OPTIONAL", "pre_sign_up", "advanced security"):
        assert word in lost
    assert status(stack, "aws_cognito_user_pool_client.web") == "partial"  # SRP
    assert status(stack, "aws_cognito_user_pool_domain.d") == "partial"
    assert status(stack, "aws_cognito_identity_pool.ids") == "unmapped"
    assert status(stack, "aws_cognito_identity_provider.google") == "unmapped"
    assert "do-not-leak" not in repr(view(stack, tuple(stack.services)))
    admin = next(r for r in stack.http_routes if r.name == "keycloak-admin")
    assert admin.middlewares == ("keycloak-admin-private",)
    written = view(stack)["files"]["traefik/dynamic/keycloak.yml"]
    assert "- keycloak-admin-private" in written and "ipAllowList" in written


class _Ready(BaseHTTPRequestHandler):
    code = 200

    def do_GET(self) -> None:
        body = json.dumps({"status": "UP" if self.code == 200 else "DOWN"}).encode()
        self.send_response(self.code if self.path == "/health/ready" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(("code", "healthy"), [(200, True), (503, False)])
def test_bash_probe_reads_the_status_line(code: int, healthy: bool) -> None:
    """The healthcheck (bash /dev/tcp, no curl in the image) against a real HTTP server."""
    handler = type("Ready", (_Ready,), {"code": code})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        probe = keycloak.HEALTH.replace("/9000", f"/{server.server_port}")
        done = subprocess.run(["bash", "-c", probe], capture_output=True, timeout=10)
        assert (done.returncode == 0) is healthy, done.stderr
    finally:
        server.shutdown()
