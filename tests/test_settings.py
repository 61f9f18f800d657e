"""The one table of settings: every command's parser is generated from it, nothing is
declared twice, and the choices other modules rely on are the table's."""

from __future__ import annotations

import argparse
from collections import Counter

import pytest

from cloudexit_ci.main import COMMANDS, _parser
from cloudexit_ci.settings import (
    FAIL_ON,
    SETTINGS,
    Setting,
    for_command,
    in_scope,
    setting,
)


def _options_of(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings} - {"-h", "--help"}


def _subparser(command: str) -> argparse.ArgumentParser:
    parser, _ = _parser([command])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    chosen: argparse.ArgumentParser = sub.choices[command]
    return chosen


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_flag_of_a_command_comes_from_the_table(command: str) -> None:
    """A flag added by hand in a command module (not in the table) fails here."""
    declared = {f for s in for_command(command) for f in s.flag_names}
    assert _options_of(_subparser(command)) == declared


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_key_flag_or_attribute_is_declared_twice(command: str) -> None:
    rows = for_command(command)
    for field in ("key", "attr"):
        counts = Counter(getattr(s, field) for s in rows)
        assert [k for k, n in counts.items() if n > 1] == [], field
    flags = Counter(f for s in rows for f in s.flag_names)
    assert [f for f, n in flags.items() if n > 1] == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_defaults_reach_the_namespace(command: str) -> None:
    """Command-only settings get their default from argparse; layered ones start None
    (not given), so the environment and the file can still decide."""
    parser = _subparser(command)
    required = [f for s in for_command(command) if s.required and s.scope == "command"
                for f in (s.flag_names[0], "x")]  # fmt: skip
    args = parser.parse_args(required)
    for s in for_command(command):
        if not s.flag_names and not s.positional:
            assert not hasattr(args, s.attr), s.key  # config only: no flag at all
            continue
        expected = None if s.scope != "command" else s.default
        if s.append and s.scope == "command":
            expected = list(s.default or ())
        if s.required and s.scope == "command":
            continue
        assert getattr(args, s.attr) == expected, s.key


def test_only_file_settings_have_a_variable() -> None:
    for s in SETTINGS:
        if s.scope == "command":
            assert s.env_name is None, s.key
        elif s.env:
            assert s.env_name == "CLOUDEXIT_" + s.key.upper().replace("-", "_")
    names = [s.env_name for s in SETTINGS if s.env_name]
    assert len(names) == len(set(names))
    # the generated shim reads $CLOUDEXIT_CONFIG inside containers: never a CLI setting
    assert "CLOUDEXIT_CONFIG" not in names


def test_config_sections() -> None:
    assert set(in_scope("stack")) == {
        "terraform", "output", "name", "domain", "serverless-mode", "dynamodb-mode",
        "object-store", "acme-email", "alternator-write-isolation", "var-files", "vars",
        "terraform-json", "code-dirs", "platform", "registry", "image-tag",
    }  # fmt: skip
    assert set(in_scope("check")) == {
        "format", "fail-on", "soft-fail", "inline-ignores", "data-plan-base",
    }  # fmt: skip
    assert "output-file" not in in_scope("check")


def test_choices_other_modules_use_are_the_tables() -> None:
    from cloudexit_ci.commands.comment import BEHAVIOURS
    from cloudexit_ci.options import WRITE_ISOLATION
    from cloudexit_ci.report import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
    from cloudexit_ci.reporters import REPORTERS

    assert setting("format", "check").choices == tuple(REPORTERS)
    assert frozenset(FAIL_ON) == FAIL_ON_CHOICES
    assert frozenset(setting("fail-on", "check").default) == DEFAULT_FAIL_ON
    assert setting("behaviour", "comment").choices == BEHAVIOURS
    assert setting("alternator-write-isolation", "migrate").choices == WRITE_ISOLATION


def test_negative_flags() -> None:
    inline = setting("inline-ignores", "check")
    assert inline.negative and inline.flag_names == ("--no-inline-ignores",)
    assert not setting("no-post", "comment").negative  # a positive flag named no-…
    assert isinstance(setting("soft-fail", "check"), Setting)


@pytest.mark.parametrize("value", ["api.example.com\n", "a@b.com\n"])
def test_validators_refuse_a_trailing_newline(value: str) -> None:
    """`$` matches before a final newline: `--domain 'api.example.com\\n'` reached the rules."""
    from cloudexit_ci.settings import email, host_name

    assert (host_name if "@" not in value else email)(value) is not None


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("registry", "registry.example.com:5000/team", None),
        ("registry", "Registry.example.com", "is not a registry"),
        ("registry", "host/../x", "is not a registry"),
        ("image-tag", "v1.4.2", None),
        ("image-tag", "latest", "not a pinned tag"),
        ("image-tag", "a b", "is not an image tag"),
    ],
)
def test_registry_and_image_tag_are_checked(key: str, value: str, error: str | None) -> None:
    from cloudexit_ci.settings import SETTINGS

    (setting,) = [s for s in SETTINGS if s.key == key]
    assert setting.check is not None
    found = setting.check(value)
    assert (found is None) if error is None else (found is not None and error in found)
