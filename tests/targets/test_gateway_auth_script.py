"""templates/extras/gateway_auth.py's pure parts: RSASSA-PKCS1-v1_5 verification against
signatures made by OpenSSL (an independent implementation), IAM policy evaluation,
path templates, identity sources and usage-plan periods."""

from __future__ import annotations

import base64
import calendar
import hashlib
import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.servers import REPO

SCRIPT = REPO / "templates" / "extras" / "gateway_auth.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gateway_auth", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ga = _load()


def openssl(*args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], input=data, capture_output=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """An RSA key made by OpenSSL: its file, modulus and public exponent."""
    path = tmp_path_factory.mktemp("rsa") / "key.pem"
    openssl("genrsa", "-out", str(path), "2048")
    modulus = openssl("rsa", "-in", str(path), "-noout", "-modulus").decode()
    return path, int(modulus.strip().split("=", 1)[1], 16), 65537


ALGS = [("RS256", "-sha256"), ("RS384", "-sha384"), ("RS512", "-sha512")]


@pytest.mark.parametrize(("alg", "digest"), ALGS)
def test_openssl_signatures_verify(key: tuple[Path, int, int], alg: str, digest: str) -> None:
    path, n, e = key
    message = b"header.payload"
    signature = openssl("dgst", digest, "-sign", str(path), data=message)
    assert ga.rsa_verify(n, e, message, signature, alg)
    assert not ga.rsa_verify(n, e, b"header.payloaX", signature, alg)
    other = "RS384" if alg != "RS384" else "RS256"
    assert not ga.rsa_verify(n, e, message, signature, other)  # the DigestInfo differs


def test_tampered_signatures_fail(key: tuple[Path, int, int]) -> None:
    path, n, e = key
    signature = bytearray(openssl("dgst", "-sha256", "-sign", str(path), data=b"m"))
    assert ga.rsa_verify(n, e, b"m", bytes(signature), "RS256")
    signature[-1] ^= 1
    assert not ga.rsa_verify(n, e, b"m", bytes(signature), "RS256")
    assert not ga.rsa_verify(n, e, b"m", bytes(signature[1:]), "RS256")  # wrong length
    assert not ga.rsa_verify(n, e, b"m", n.to_bytes(256, "big"), "RS256")  # s >= n
    assert not ga.rsa_verify(n, e, b"m", bytes(signature), "HS256")


def test_a_forgery_for_a_lax_verifier_fails(key: tuple[Path, int, int]) -> None:
    """With e = 3, s = cube root of DigestInfo||hash modulo 2^k gives s^3 whose low bytes
    are the right DigestInfo and hash (a forgery against verifiers that only look for
    them, as in CVE-2006-4339 variants): the whole encoding must be compared."""
    _, n, _ = key
    prefix = bytes.fromhex("3031300d060960864801650304020105000420")
    messages = (b"m%d" % i for i in range(100))
    message = next(m for m in messages if hashlib.sha256(m).digest()[-1] & 1)
    suffix = int.from_bytes(prefix + hashlib.sha256(message).digest(), "big")
    bits = 8 * (len(prefix) + 32)
    forged = pow(suffix, pow(3, -1, 2 ** (bits - 2)), 2**bits)
    assert pow(forged, 3, n) % 2**bits == suffix  # it does end with the right digest
    assert not ga.rsa_verify(n, 3, message, forged.to_bytes(256, "big"), "RS256")


def test_policy_wildcards_and_explicit_deny() -> None:
    arn = "arn:aws:execute-api:eu-west-1:1:api/live/GET/orders/7"
    allow = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": "arn:aws:execute-api:*:*:api/live/GET/*",
    }
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": [arn]}
    result: dict[str, Any] = {"principalId": "p", "context": {"a": 1}}
    cfg: dict[str, Any] = {}
    doc = {"policyDocument": {"Statement": [allow]}}
    assert ga.decide(result | doc, arn, cfg, "rest") == {"principalId": "p", "a": 1}
    with pytest.raises(ga.Refused) as refused:
        ga.decide(result | {"policyDocument": {"Statement": [allow, deny]}}, arn, cfg, "rest")
    assert refused.value.answer[0] == 403 and "explicit deny" in refused.value.answer[1]["message"]
    post = arn.replace("/GET/", "/POST/")
    with pytest.raises(ga.Refused):  # no Allow matches
        ga.decide(result | doc, post, cfg, "rest")
    assert ga.arn_matches("a?c", "abc") and not ga.arn_matches("a?c", "abbc")


def test_simple_responses_and_bad_context() -> None:
    cfg = {"simple": True}
    ok = ga.decide({"isAuthorized": True, "context": {"u": "x"}}, "arn", cfg, "http")
    assert ok == {"lambda": {"u": "x"}}
    with pytest.raises(ga.Refused) as no:
        ga.decide({"isAuthorized": False}, "arn", cfg, "http")
    assert no.value.answer == (403, {"message": "Forbidden"})
    with pytest.raises(ga.Refused) as bad:  # context values must be scalars: AWS answers 500
        ga.decide({"isAuthorized": True, "context": {"u": {"x": 1}}}, "arn", cfg, "http")
    assert bad.value.answer[0] == 500


def test_templates_and_identity_sources() -> None:
    assert ga.match("/items/{id}", "/items/a%20b") == {"id": "a b"}
    assert ga.match("/files/{proxy+}", "/files/a/b") == {"proxy": "a/b"}
    assert ga.match("/files/{proxy+}", "/files") is None
    assert ga.match("/items/{id}", "/items/1/2") is None
    route = {"path": "/items/{id}", "prefix": "/live", "api": "a", "stage": "live"}
    headers = [
        ("X-Forwarded-Uri", "/live/items/7?t=1&t=2"),
        ("X-Forwarded-Method", "put"),
        ("Authorization", "Bearer abc"),
        ("X-Forwarded-For", "10.1.2.3, 1.1.1.1"),
    ]
    req = ga.Request(route, headers)
    assert (req.path, req.params, req.method, req.source_ip) == (
        "/items/7",
        {"id": "7"},
        "PUT",
        "10.1.2.3",
    )
    assert ga.identity_value(req, "$request.querystring.t") == "2"
    assert ga.identity_value(req, "$request.header.authorization") == "Bearer abc"
    assert ga.bearer("Bearer abc") == "abc" and ga.identity_value(req, "$request.header.x") is None
    arn = req.arn({"region": "eu-west-1", "account": "1"})
    assert arn == "arn:aws:execute-api:eu-west-1:1:a/live/PUT/items/7"


def test_quota_periods_start_in_utc() -> None:
    wednesday = calendar.timegm((2026, 12, 2, 15, 30, 0))
    assert ga.period_start("DAY", wednesday) == calendar.timegm((2026, 12, 2, 0, 0, 0))
    assert ga.period_start("WEEK", wednesday) == calendar.timegm((2026, 11, 30, 0, 0, 0))
    assert ga.period_start("MONTH", wednesday) == calendar.timegm((2026, 12, 1, 0, 0, 0))


def test_claims_are_strings_as_api_gateway_sends_them() -> None:
    assert ga.claim_text(5) == "5" and ga.claim_text(["a", "b"]) == "[a b]"
    assert ga.claim_text(True) == "true"
    assert ga.b64url("YQ") == b"a" == base64.urlsafe_b64decode("YQ==")


def test_replies_are_not_held_back_by_nagle() -> None:
    """Headers and body are two writes: without TCP_NODELAY a keep-alive client waits
    for the delayed ACK (40 ms on Linux) before the body of a MOCK answer arrives."""
    assert ga.Handler.disable_nagle_algorithm is True
