"""The product's Jinja environment (cloudexit_ci.render.jinja), the one every code and
shell template renders through: a value nobody gave fails the render, and the
shquote / tojson filters keep a hostile Terraform value inside the word or the
JSON string it lands in (checked with a real shell and a real JSON parser).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jinja2
import pytest

from cloudexit_ci.render.jinja import environment, render

HOSTILE = [
    "plain",
    "",
    "it's",
    'say "hi"',
    "$(touch pwned)",
    "`touch pwned`",
    "${HOME:-home}",
    "a; touch pwned",
    "a && touch pwned",
    "line\ntouch pwned",
    "cr\rlf",
    "back\\slash\\",
    "-n",
    "tab\there",
    "*",
    "ü ☃ \u2028 \x7f",
    "' '",
]


def _ids(values: list[Any]) -> list[str]:
    return [repr(v)[:24] for v in values]


@pytest.mark.parametrize(
    "source",
    [
        "{{ missing }}",
        "{{ fn.missing }}",
        "{{ fn.missing | tojson }}",
        "{{ [1, missing] | tojson }}",
        "{{ missing | shquote }}",
        "{{ missing | tojson }}",
        "{{ 'x' ~ missing }}",
        "{% for x in missing %}{% endfor %}",
        "{% if missing %}{% endif %}",
    ],
)
def test_a_missing_value_fails_the_render(source: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string(source).render(fn={})


@pytest.mark.parametrize(
    "template",
    [
        "init/dynamodb-alternator.sh.j2",
        "init/s3-minio.sh.j2",
        "function/Dockerfile.python.j2",
        "function/Dockerfile.node.j2",
    ],
)
def test_a_product_template_without_its_values_fails(template: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render(template)


@pytest.mark.parametrize("value", HOSTILE, ids=_ids(HOSTILE))
def test_shquote_gives_the_shell_exactly_one_word(value: str, tmp_path: Path) -> None:
    """The value reaches the program as one argument, byte for byte, and nothing in
    it runs (no command substitution, expansion, glob or second command)."""
    (tmp_path / "a-file").write_text("a glob would expand to me\n")
    script = environment().from_string("printf '%s\\0' {{ value | shquote }}\n")
    done = subprocess.run(
        ["sh", "-c", script.render(value=value)],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )
    assert done.stdout == value.encode() + b"\0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize(
    "value",
    [*HOSTILE, 7, 1.5, None, True, ["a", "b"], {"b": 1, "a": "x\ny"}],
    ids=_ids([*HOSTILE, 7, 1.5, None, True, ["a", "b"], {"b": 1, "a": "x\ny"}]),
)
def test_tojson_is_the_value_as_json_on_one_line(value: Any) -> None:
    text = environment().from_string("{{ value | tojson }}").render(value=value)
    assert json.loads(text) == value
    assert "\n" not in text and "\r" not in text  # cannot end the line it is on


def test_tojson_is_deterministic() -> None:
    """Keys sorted, so a rendered file does not depend on dict order."""
    one = environment().from_string("{{ v | tojson }}").render(v={"b": 1, "a": 2})
    two = environment().from_string("{{ v | tojson }}").render(v={"a": 2, "b": 1})
    assert one == two == '{"a": 2, "b": 1}'
