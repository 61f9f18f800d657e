"""docs/OPTIONS.md is generated from the settings table and kept current."""

from __future__ import annotations

from cloudexit_ci import options_doc
from cloudexit_ci.errors import EXIT_CODES
from cloudexit_ci.settings import SETTINGS


def test_options_doc_is_current() -> None:
    assert options_doc.main(["--check"]) == 0, "run `python -m cloudexit_ci.options_doc`"


def test_every_flag_key_and_variable_is_listed() -> None:
    text = options_doc.render()
    for s in SETTINGS:
        assert all(f"`{flag}`" in text for flag in s.flag_names), s.key
        if s.scope != "command":
            assert f"`{s.key}`" in text, s.key
        if s.env_name:
            assert f"`{s.env_name}`" in text, s.key
    for code in EXIT_CODES:
        assert f"\n| {code} | " in text
    assert "`output-file`" in text  # the removed key and its replacement
