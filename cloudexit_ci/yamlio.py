"""The only module that imports YAML. Dumps are deterministic and safe."""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper that never emits anchors/aliases and indents lists under keys."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def dump(data: Any, header: str | None = None) -> str:
    """Dump ``data`` to YAML text (insertion order kept, LF, no aliases)."""
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1000,
    )
    if header:
        prefix = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
        return prefix + body
    return body


def dump_all(documents: list[Any], header: str | None = None) -> str:
    """Several documents in one stream, ``---`` between them, the header once."""
    body = "---\n".join(dump(doc) for doc in documents)
    return (dump({}, header=header).removesuffix("{}\n") if header else "") + body


_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def load(text: str) -> Any:
    """Parse YAML text safely (libyaml's C parser when present: ~10x faster)."""
    return yaml.load(text, Loader=_SafeLoader)


def load_all(text: str) -> list[Any]:
    """Every document of a multi-document YAML stream (``---`` separated)."""
    return list(yaml.load_all(text, Loader=_SafeLoader))


YAMLError = yaml.YAMLError
