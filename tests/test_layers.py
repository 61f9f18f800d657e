"""The layers of a setting's value and their precedence: command line > CLOUDEXIT_* >
.cloudexit.yml > default, each bad value one UserError naming where it came from."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.layers import add_arguments, from_config, from_env, help_text, resolve
from cloudexit_ci.settings import setting

MODE = setting("serverless-mode", "migrate")
FAIL_ON = setting("fail-on", "check")
SOFT = setting("soft-fail", "check")
INLINE = setting("inline-ignores", "check")
VARS = setting("vars", "migrate")
DOMAIN = setting("domain", "migrate")
WHERE = ".cloudexit.yml: stacks[0]"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CLOUDEXIT_SERVERLESS_MODE", "CLOUDEXIT_FAIL_ON", "CLOUDEXIT_SOFT_FAIL",
                 "CLOUDEXIT_INLINE_IGNORES", "CLOUDEXIT_DOMAIN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def test_precedence_cli_env_file_default(monkeypatch: pytest.MonkeyPatch) -> None:
    file = {"serverless-mode": "consolidated"}
    assert resolve(MODE, None, {}, WHERE) == "containerized"  # default
    assert resolve(MODE, None, file, WHERE) == "consolidated"  # file beats default
    monkeypatch.setenv("CLOUDEXIT_SERVERLESS_MODE", "containerized")
    assert resolve(MODE, None, file, WHERE) == "containerized"  # environment beats file
    assert resolve(MODE, "consolidated", file, WHERE) == "consolidated"  # CLI beats all
    monkeypatch.setenv("CLOUDEXIT_SERVERLESS_MODE", "")
    assert resolve(MODE, None, file, WHERE) == "consolidated"  # empty variable: unset


def test_bool_and_list_from_every_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(SOFT, None, {}, "check") is False
    assert resolve(INLINE, None, {"inline-ignores": False}, "check") is False
    assert resolve(INLINE, False, {"inline-ignores": True}, "check") is False  # the flag
    monkeypatch.setenv("CLOUDEXIT_SOFT_FAIL", "Yes")
    assert resolve(SOFT, None, {"soft-fail": False}, "check") is True
    assert resolve(FAIL_ON, None, {}, "check") == ("drift", "error")
    monkeypatch.setenv("CLOUDEXIT_FAIL_ON", "drift, unmapped")
    assert resolve(FAIL_ON, None, {}, "check") == ("drift", "unmapped")
    assert resolve(FAIL_ON, "partial,blocking", {}, "check") == ("partial", "blocking")


def test_repeatable_settings_combine_file_then_command_line() -> None:
    file = {"vars": {"env": "prod", "size": "2"}}
    assert resolve(VARS, ["env=dev"], file, WHERE) == ("env=prod", "size=2", "env=dev")
    assert resolve(VARS, None, {}, WHERE) == ()


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("CLOUDEXIT_SOFT_FAIL", "maybe", "'maybe' is not a boolean"),
        ("CLOUDEXIT_FAIL_ON", "drift,nonsense", "'nonsense'"),
        ("CLOUDEXIT_SERVERLESS_MODE", "lambda", "'lambda'"),
        ("CLOUDEXIT_DOMAIN", "not a host", "is not a host name"),
    ],
)
def test_a_bad_variable_names_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    chosen = {"CLOUDEXIT_SOFT_FAIL": SOFT, "CLOUDEXIT_FAIL_ON": FAIL_ON,
              "CLOUDEXIT_SERVERLESS_MODE": MODE, "CLOUDEXIT_DOMAIN": DOMAIN}[variable]  # fmt: skip
    with pytest.raises(UserError) as caught:
        resolve(chosen, None, {}, WHERE)
    assert caught.value.where == variable
    assert words in caught.value.message and caught.value.hint


def test_a_bad_command_line_value_names_the_flag() -> None:
    with pytest.raises(UserError) as caught:
        resolve(DOMAIN, "-bad-", {}, WHERE)
    assert caught.value.where == "--domain" and caught.value.hint == "e.g. api.example.com"
    with pytest.raises(UserError) as caught:
        resolve(FAIL_ON, "drift,drfit", {}, "check")
    assert caught.value.where == "--fail-on" and "drift, error" in str(caught.value.hint)


@pytest.mark.parametrize(
    ("chosen", "value", "message", "hint"),
    [
        (MODE, "lambda", "unknown value(s) 'lambda'", "use one of containerized, consolidated"),
        (MODE, ["containerized"], "must be a single value", "use one of"),
        (SOFT, "yes", "must be true or false", "true or false"),
        (FAIL_ON, {"drift": 1}, "must be a list", "use one of drift"),
        (VARS, ["a=b"], "must map names to values", "{NAME: VALUE}"),
        (DOMAIN, "under_score", "is not a host name", "e.g. api.example.com"),
    ],
)
def test_a_bad_file_value_names_the_key_and_the_fix(
    chosen: object, value: object, message: str, hint: str
) -> None:
    assert isinstance(chosen, type(MODE))
    with pytest.raises(UserError) as caught:
        from_config(chosen, value, f"{WHERE}.{chosen.key}")
    assert caught.value.where == f"{WHERE}.{chosen.key}"
    assert message in caught.value.message and hint in str(caught.value.hint)


def test_file_values_are_converted() -> None:
    assert from_config(FAIL_ON, "drift, unmapped", "w") == ("drift", "unmapped")
    assert from_config(FAIL_ON, ["drift"], "w") == ("drift",)
    assert from_config(VARS, {"n": 3}, "w") == {"n": "3"}
    assert from_config(setting("name", "migrate"), 2024, "w") == "2024"
    assert from_env(setting("config", "migrate"), "x.yml", "w") == Path("x.yml")


def test_generated_arguments_and_help() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser, "check")
    args = parser.parse_args(["tf", "--no-inline-ignores", "--var", "a=1", "--var", "b=2"])
    assert args.terraform_dir == Path("tf") and args.inline_ignores is False
    assert args.vars == ["a=1", "b=2"] and args.soft_fail is None and args.format is None
    text = help_text(MODE)
    assert "default: containerized" in text and ".cloudexit.yml stacks[].serverless-mode" in text
    assert "$CLOUDEXIT_SERVERLESS_MODE" in text
