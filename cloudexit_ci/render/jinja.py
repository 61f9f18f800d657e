"""Jinja2 for code and shell only (never YAML): StrictUndefined, quoting filters."""

from __future__ import annotations

import functools
import json
import shlex
from importlib import resources
from typing import Any, NoReturn

import jinja2


def shquote(value: Any) -> str:
    """Quote a value for POSIX sh: a Terraform value can never break out."""
    return shlex.quote(str(value))


def tojson(value: Any) -> str:
    """JSON on one line (a value cannot end the line it is on); keys sorted."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_not_json)


def _not_json(value: Any) -> NoReturn:
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined: UndefinedError naming the missing value
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class _Loader(jinja2.BaseLoader):
    """Templates from the ``cloudexit_ci.templates`` package (the repo's templates/)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Any]:
        return template_text(template), None, lambda: True


def template_text(name: str) -> str:
    path = resources.files("cloudexit_ci.templates")
    for part in name.split("/"):
        path = path / part
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise jinja2.TemplateNotFound(name) from None


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_Loader(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["shquote"] = shquote
    env.filters["tojson"] = tojson
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
