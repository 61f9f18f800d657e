""".cloudexit.yml checked against the settings table: the keys each section allows,
their types and choices, one UserError naming `file: stacks[i].key` and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.config import load_config
from cloudexit_ci.errors import UserError
from cloudexit_ci.main import main

STACK = "stacks:\n  - terraform: tf\n    output: out\n"


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / ".cloudexit.yml"
    path.write_text(text)
    return load_config(path)


def _error(tmp_path: Path, text: str) -> UserError:
    with pytest.raises(UserError) as caught:
        _load(tmp_path, text)
    return caught.value


def test_check_reads_every_check_key(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, STACK + "check:\n  data-plan-base: origin/main\n"
                                "  fail-on: drift,unmapped\n  soft-fail: true\n"
                                "  inline-ignores: false\n  format: json\n"))  # fmt: skip
    assert dict(config.check) == {
        "data-plan-base": "origin/main", "fail-on": ("drift", "unmapped"), "soft-fail": True,
        "inline-ignores": False, "format": "json",
    }  # fmt: skip


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".cloudexit.yml"
    path.write_text(text)
    return path


def test_output_file_is_rejected_with_the_replacement(tmp_path: Path) -> None:
    error = _error(tmp_path, STACK + "check:\n  output-file: report.md\n")
    assert error.where == f"{tmp_path / '.cloudexit.yml'}: check.output-file"
    assert error.hint is not None and "--report-file" in error.hint


@pytest.mark.parametrize(
    ("text", "where", "message", "hint"),
    [
        (STACK + "    domian: x\n", "stacks[0].domian", "unknown key `domian`", "allowed: "),
        (STACK + "  - terraform: b\n    output: o\n    serverless-mode: lambda\n",
         "stacks[1].serverless-mode", "'lambda'", "use one of containerized, consolidated"),
        (STACK + "    vars: [a=b]\n", "stacks[0].vars", "must map names", "{NAME: VALUE}"),
        (STACK + "    domain: bad_host\n", "stacks[0].domain", "not a host name",
         "api.example.com"),
        ("stacks:\n  - terraform: tf\n", "stacks[0]", "`output` is required", "output: PATH"),
        (STACK + "check:\n  soft-fail: sometimes\n", "check.soft-fail", "true or false",
         "true or false"),
        (STACK + "check:\n  fail-on: [drift, drfit]\n", "check.fail-on", "'drfit'", "unmapped"),
        (STACK + "extra: 1\n", "extra", "unknown key `extra`", "check, stacks"),
        ("stacks: {a: 1}\n", "stacks", "must be a list", "terraform"),
    ],
)  # fmt: skip
def test_a_bad_key_or_value_names_file_key_and_fix(
    tmp_path: Path, text: str, where: str, message: str, hint: str
) -> None:
    error = _error(tmp_path, text)
    assert error.where == f"{tmp_path / '.cloudexit.yml'}: {where}"
    assert message in error.message and hint in str(error.hint)


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    config = load_config(_write(tmp_path / "ci", STACK + "    var-files: [prod.tfvars]\n"))
    (stack,) = config.stacks
    base = tmp_path / "ci"
    assert (stack.terraform, stack.output, stack.base) == (base / "tf", base / "out", base)
    assert stack.settings["var-files"] == (str(base / "prod.tfvars"),)
    assert stack.where == f"{base / '.cloudexit.yml'}: stacks[0]"


def test_a_bad_config_stops_every_command_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, STACK + "    dynamodb-mode: dynamo\n")
    monkeypatch.chdir(tmp_path)
    for command in ("migrate", "check", "inventory"):
        assert main([command]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert ".cloudexit.yml: stacks[0].dynamodb-mode: unknown value(s) 'dynamo'" in line
        assert "(fix: use one of alternator, cql)" in line
