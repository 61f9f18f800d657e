"""The layers a setting's value comes from, generated from ``settings.SETTINGS``.

- the command line: :func:`add_arguments` builds each command's argparse arguments;
- the environment: ``CLOUDEXIT_<KEY>`` (:func:`from_env`; an empty variable is unset);
- ``.cloudexit.yml``: :func:`from_config` checks and converts a key's value;
- the default.

:func:`resolve` applies the precedence: command line > environment > file > default.
Repeatable settings (``--var``, ``--var-file``) are not overridden but combined: the
file's items first, then the command line's. Every bad value is a UserError naming
where it came from (the flag, the variable, or ``file: stacks[i].key``) and the fix.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.settings import Setting, for_command, parse_size

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


# --- the command line ----------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """Every setting ``command`` takes, in table order (groups as the table names them)."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for setting in for_command(command):
        if not setting.positional and not setting.flag_names:
            continue  # a config-only key
        target: Any = parser
        if setting.group is not None:
            if setting.group not in groups:
                groups[setting.group] = parser.add_argument_group(setting.group)
            target = groups[setting.group]
        names = (setting.attr,) if setting.positional else setting.flag_names
        target.add_argument(*names, **_argparse_options(setting))


def _argparse_options(setting: Setting) -> dict[str, Any]:
    layered = setting.scope != "command"  # None: "not given", so the next layer decides
    default = None if layered else setting.default
    options: dict[str, Any] = {"help": help_text(setting).replace("%", "%%")}
    if setting.positional:
        options.update(nargs="?", metavar=setting.metavar)
    else:
        options["dest"] = setting.attr
    if setting.required and not layered:
        options["required"] = True
    if setting.kind == "bool":
        return options | {
            "action": "store_const",
            "const": not setting.negative,
            "default": default,
        }
    if setting.append:
        options.update(action="append", default=None if layered else list(default or ()))
    else:
        options["default"] = default
    if setting.choices and setting.kind != "list":
        options["choices"] = setting.choices
    if setting.metavar and not setting.positional:
        options["metavar"] = setting.metavar
    options["type"] = _cli_type(setting)
    return options


def _cli_type(setting: Setting) -> Callable[[str], Any]:
    converters: dict[str, Callable[[str], Any]] = {
        "int": int, "float": float, "size": parse_size, "path": Path, "paths": Path,
    }  # fmt: skip
    convert = converters.get(setting.kind, str)

    def checked(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc) or f"invalid value {text!r}") from None
        if setting.minimum is not None and value < setting.minimum:
            raise argparse.ArgumentTypeError(f"must be ≥ {setting.minimum:g} (got {text})")
        return value

    checked.__name__ = setting.kind  # argparse names the type in its messages
    return checked


def help_text(setting: Setting) -> str:
    """The flag's help: what it does, its default, its config key and variable."""
    parts = []
    if setting.kind != "bool" and setting.default not in (None, "", ()):
        default = setting.default
        shown = ",".join(default) if isinstance(default, tuple) else default
        parts.append(f"default: {shown}")
    if setting.scope != "command":
        section = "stacks[]" if setting.scope == "stack" else "check"
        parts.append(f".cloudexit.yml {section}.{setting.key}")
    if setting.env_name:
        parts.append(f"${setting.env_name}")
    return setting.help + (f" ({'; '.join(parts)})" if parts else "")


# --- values from the environment and the config file ---------------------------------


def fix(setting: Setting) -> str:
    if setting.choices:
        return f"use one of {', '.join(setting.choices)}"
    if setting.example:
        return f"e.g. {setting.example}"
    return {
        "bool": "true or false",
        "list": "a list, e.g. [a, b]",
        "paths": "a list of paths, e.g. [prod.tfvars]",
        "map": "a mapping, e.g. {NAME: VALUE}",
        "int": "a whole number",
        "float": "a number",
    }.get(setting.kind, "a string")


def _bad(setting: Setting, message: str, where: str) -> UserError:
    return UserError(message, where=where, hint=fix(setting))


def _checked(setting: Setting, value: Any, where: str) -> Any:
    """The choices (of a value or of each list item) and the setting's own validator."""
    items = value if setting.kind == "list" else (value,)
    if setting.choices:
        unknown = [str(v) for v in items if v not in setting.choices]
        if unknown:
            raise _bad(setting, f"unknown value(s) {', '.join(map(repr, unknown))}", where)
    if setting.check is not None and isinstance(value, str):
        problem = setting.check(value)
        if problem:
            raise _bad(setting, problem, where)
    return value


def from_env(setting: Setting, raw: str, where: str) -> Any:
    """A variable's text as the setting's type (a UserError naming the variable)."""
    text = raw.strip()
    if setting.kind == "bool":
        if text.lower() not in (*_TRUE, *_FALSE):
            raise _bad(setting, f"{raw!r} is not a boolean", where)
        return text.lower() in _TRUE
    if setting.kind == "list":
        return _checked(setting, tuple(i.strip() for i in text.split(",") if i.strip()), where)
    if setting.kind in ("int", "float"):
        try:
            return int(text) if setting.kind == "int" else float(text)
        except ValueError:
            raise _bad(setting, f"{raw!r} is not a number", where) from None
    return _checked(setting, Path(text) if setting.kind == "path" else text, where)


def from_config(setting: Setting, value: Any, where: str) -> Any:
    """A config value checked and converted: str, bool, tuple of str or dict of str."""
    kind = setting.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise _bad(setting, f"`{setting.key}` must be true or false", where)
        return value
    if kind in ("list", "paths"):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(_scalar(i) for i in items):
            raise _bad(setting, f"`{setting.key}` must be a list", where)
        return _checked(setting, tuple(str(i).strip() for i in items if str(i).strip()), where)
    if kind == "map":
        if not isinstance(value, dict) or not all(_scalar(v) for v in value.values()):
            raise _bad(setting, f"`{setting.key}` must map names to values", where)
        return {str(k): str(v) for k, v in value.items()}
    if kind in ("int", "float") and (isinstance(value, bool) or not _scalar(value)):
        raise _bad(setting, f"`{setting.key}` must be a number", where)
    if not _scalar(value):
        raise _bad(setting, f"`{setting.key}` must be a single value", where)
    return _checked(setting, str(value), where)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


# --- the precedence -------------------------------------------------------------------


def resolve(setting: Setting, cli: Any, file_values: Mapping[str, Any], file_where: str) -> Any:
    """Command line > ``CLOUDEXIT_*`` > the file's (already checked) value > default.

    ``cli`` is argparse's value (None when the flag was not given); ``file_where``
    names the file's section (``.cloudexit.yml: check``) for messages."""
    if setting.append:  # combined: the file's items, then the command line's
        from_file = file_values.get(setting.key) or ()
        if isinstance(from_file, dict):
            from_file = [f"{k}={v}" for k, v in from_file.items()]
        return (*from_file, *(cli or ()))
    if cli is not None:
        if setting.kind == "list" and isinstance(cli, str):
            cli = tuple(i.strip() for i in cli.split(",") if i.strip())
        return _checked(setting, cli, setting.label)
    name = setting.env_name
    raw = os.environ.get(name) if name else None
    if name and raw:  # an empty variable is unset (workflows set inputs to "")
        return from_env(setting, raw, name)
    if setting.key in file_values:
        return file_values[setting.key]
    return setting.default
