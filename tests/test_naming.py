"""cloudexit_ci.naming: the one home of names that land in generated files."""

from __future__ import annotations

import pytest

from cloudexit_ci.naming import env_name, is_host, looks_secret, safe_name, unique_name


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("api.example.com", True),
        ("*.example.com", True),
        ("localhost", True),
        ("a" * 63 + ".com", True),
        ("api.example.com\n", False),  # `$` would have let a trailing newline through
        ("-api.example.com", False),
        ("api.example.com.", False),
        ("api example.com", False),
        ("api`.example.com", False),
        ("*.", False),
        ("", False),
        ("a.*.example.com", False),
    ],
)
def test_is_host(name: str, ok: bool) -> None:
    assert is_host(name) is ok


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("db-main", "password"), "DB_MAIN_PASSWORD"),
        (("list-items", "tableName"), "LIST_ITEMS_TABLENAME"),
        (("9lives",), "V_9LIVES"),
        (("a", "", "b"), "A_B"),
        (("x" * 80,), "X" * 64),
        (("ünïcode", "$(rm -rf)"), "N_CODE_RM_RF"),
    ],
)
def test_env_name(parts: tuple[str, ...], expected: str) -> None:
    assert env_name(*parts) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("List Items", "list-items"),
        ("9-lives", "x-9-lives"),
        ("", "x"),
        ("a--b__c", "a-b-c"),
        ("é" * 3, "x"),
    ],
)
def test_safe_name(raw: str, expected: str) -> None:
    assert safe_name(raw) == expected


def test_unique_name() -> None:
    assert unique_name("api", {"web"}) == "api"
    assert unique_name("api", {"api", "api-2"}) == "api-3"


@pytest.mark.parametrize(
    ("name", "secret"),
    [("DB_PASSWORD", True), ("stripeApiKey", True), ("AUTH_TOKEN", True), ("TABLE_NAME", False)],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret
