"""Run tests/e2e/fixtures/authz as generated: the real Traefik, the shims and the generated
gateway-auth service as local processes. What Docker would supply is rewritten (host
names to loopback ports) and what cannot run here stands in: Keycloak is a small OIDC
server (discovery, JWKS, token endpoint) signing with a test RSA key, and the HTTP_PROXY
integration's upstream is a local echo server."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.e2e import stack as e2e
from tests.servers import free_ports, traefik, wait_http

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "authz"
DOMAIN = "shop.test"
REALM = "shop-users"
ISSUER = f"https://{DOMAIN}/auth/realms/{REALM}"
API_KEY = "partner-key-from-env"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """An RSA key pair; tokens signed with it (RS256), its JWKS."""

    def __init__(self, kid: str = "k1") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, str]:
        numbers = self.key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": b64(n),
            "e": b64(e),
        }

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "azp": "web", "aud": "account", "sub": "u-1", "iat": now,
                "exp": now + 300, "scope": "openid profile orders.read"} | claims  # fmt: skip
        head = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
        signature = self.key.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{b64(signature)}"


class StandIns:
    """Keycloak's OIDC endpoints for the realm, and the HTTP_PROXY upstream."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.jwks_fetches = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        stand_ins = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = f"/auth/realms/{REALM}"
                if self.path == f"{base}/.well-known/openid-configuration":
                    certs = f"{ISSUER}/protocol/openid-connect/certs"  # as KC_HOSTNAME says
                    self.send({"issuer": ISSUER, "jwks_uri": certs})
                elif self.path == f"{base}/protocol/openid-connect/certs":
                    stand_ins.jwks_fetches += 1
                    self.send({"keys": [stand_ins.signer.jwk()]})
                else:  # the HTTP_PROXY upstream
                    self.send({"upstream": self.path, "host": self.headers.get("Host")})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = stand_ins.signer.token()
                self.send({"access_token": token, "token_type": "Bearer", "path": self.path})

            def send(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler], port: int) -> Iterator[None]:
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def gateway_auth(out: Path, tmp: Path, port: int, hosts: dict[str, int]) -> Iterator[Path]:
    """The generated gateway-auth service as a process, its config's hosts on loopback."""
    text = (out / "gateway-auth" / "config.json").read_text()
    for host, host_port in hosts.items():
        text = text.replace(f"http://{host}:8080", f"http://127.0.0.1:{host_port}")
    config = tmp / "gateway-auth.json"
    config.write_text(text)
    log = tmp / "gateway-auth.log"
    env = {**e2e.base_env(), "PORT": str(port), "APIGW_KEY_PARTNER": API_KEY}
    script = out / "gateway-auth" / "gateway_auth.py"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(config)], env=env, stdout=fh, stderr=fh
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/__health", timeout=20)
        yield log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def forward_auth_on_loopback(dynamic: Path, port: int) -> None:
    for path in dynamic.glob("*.yml"):
        text = path.read_text().replace("http://gateway-auth:8080/", f"http://127.0.0.1:{port}/")
        path.write_text(text)


@contextlib.contextmanager
def running(tmp: Path, signer: Signer) -> Iterator[tuple[e2e.Stack, StandIns]]:
    out = tmp / "stack"
    compose = e2e.generate(FIXTURE, out, DOMAIN)
    functions = {
        name: svc
        for name, svc in compose["services"].items()
        if (svc.get("labels") or {}).get("cloudexit.role") == "function" and "build" in svc
    }
    ports = free_ports(len(functions) + 6)
    web, websecure, ping, api, auth_port, stand_in_port = ports[-6:]
    endpoints = e2e.Endpoints(dynamodb="http://127.0.0.1:9", s3="http://127.0.0.1:9")
    stand_ins = StandIns(signer)
    with contextlib.ExitStack() as cm:
        cm.enter_context(serve(stand_ins.handler(), stand_in_port))
        logs = {}
        for (name, svc), port in zip(functions.items(), ports, strict=False):
            logs[name] = cm.enter_context(
                e2e.function_process(out, name, svc, endpoints, port, tmp)
            )
        hosts = dict(zip(functions, ports, strict=False))
        hosts |= {"gateway-auth": auth_port, "keycloak": stand_in_port}
        hosts["legacy.internal.test"] = stand_in_port
        logs["gateway-auth"] = cm.enter_context(gateway_auth(out, tmp, auth_port, hosts))
        entry = {"web": web, "websecure": websecure, "ping": ping, "traefik": api}
        static = e2e.traefik_config(out, tmp, hosts, entry)
        forward_auth_on_loopback(tmp / "dynamic", auth_port)
        api_url = cm.enter_context(traefik(static, api))
        stack = e2e.Stack(out, DOMAIN, compose, web, websecure, api_url, hosts, logs)
        expected = sum(
            len((yaml.safe_load(p.read_text()) or {}).get("http", {}).get("routers", {}))
            for p in (out / "traefik" / "dynamic").glob("*.yml")
        )
        e2e.wait_routers(stack, expected)
        yield stack, stand_ins
