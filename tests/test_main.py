"""``main(argv) -> int``: every way out is a return value with one line on stderr."""

from __future__ import annotations

import re

import pytest

from cloudexit_ci import __version__
from cloudexit_ci.errors import EXIT_CODES
from cloudexit_ci.main import main
from tests.servers import REPO


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["check", "--bogus"], ("cloudexit-ci check:", "unrecognized arguments: --bogus")),
        (["migrate", "--serverless-mode", "lambda"], ("cloudexit-ci migrate:", "'lambda'")),
        (["inventory", "--format", "yaml"], ("cloudexit-ci inventory:", "'yaml'")),
        (["bogus"], ("cloudexit-ci:", "'bogus'")),
        (["migrate-data", "--segments", "0"], ("cloudexit-ci migrate-data:", "--segments")),
    ],
)
def test_a_bad_flag_returns_2_with_one_line(
    argv: list[str], words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2  # returned, not raised as SystemExit
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("error: ")
    assert all(w in line for w in words), line
    assert "--help" in line  # the fix


@pytest.mark.parametrize(
    "argv", [["--help"], ["check", "--help"], ["migrate-data", "--help"], ["inventory", "-h"]]
)
def test_help_returns_0(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert "usage: cloudexit-ci" in capsys.readouterr().out


def test_version_returns_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cloudexit-ci {__version__}"


def test_no_command_is_2_with_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_every_exit_code_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sentence = readme[readme.index("Exit codes") :].split("\n\n")[0]
    for code in EXIT_CODES:
        assert re.search(rf"\b{code} ", sentence), f"exit code {code} missing from README"
