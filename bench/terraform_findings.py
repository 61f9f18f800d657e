"""What a user finds in one generated stack of the real-Terraform benchmark.

- Terraform text left in ``docker-compose.yml`` (``${aws_…}``, ``$${var.…}``, ``%{…}``…):
  every string of the file, with its service and key (target: none); and in the other
  generated configuration files (JSON, ElasticMQ's .conf, Traefik's YAML, CQL…);
- ``.env`` variables declared because a reference had no self-hosted value (their
  ``.env.example`` description says so), the compose values that use them, and the
  referenced attribute (``aws_sqs_queue.arn``) so the next gaps are visible;
- the invariant of honest statuses (``cloudexit_ci.manifest.unsourced``): ``mapped`` and
  ``partial`` resources that no generated file but the README names as a source;
- which coverage entries come from a module loaded from ``.terraform/modules``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from cloudexit_ci import manifest

TERRAFORM_TEXT = re.compile(
    r"\$\{\s*(?:aws_|data\.|var\.|module\.|local\.|each\.|count\.|path\.|self\."
    r"|[a-z][a-z0-9]*_[a-z0-9_]*\.)|%\{"
)
DOLLAR = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\})")  # $$ or ${NAME…}
NO_VALUE = re.compile(r"^# (\S+): no self-hosted value")
ADDRESS = re.compile(
    r"^(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*((?:data\.)?[a-z0-9_]+)\.[\w-]+(?:\[[^\]]*\])?\.(.+)$"
)
INSTALLED = "/.terraform/modules/"
CONFIG_SUFFIXES = {".json", ".conf", ".yml", ".yaml", ".toml", ".cql", ".sql", ".ini", ".env"}


def _strings(node: Any, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            named = isinstance(value, str) and key.endswith("environment") and "=" in value
            yield from _strings(
                value, f"{key}.{value.split('=', 1)[0]}" if named else f"{key}[{index}]"
            )
    elif isinstance(node, str):
        yield key, node


def compose_values(compose: Any) -> Iterator[tuple[str, str, str]]:
    """(service, key, value) of every string in a compose document; other top-level
    sections (volumes, networks…) appear as the service ``(section)``."""
    if not isinstance(compose, dict):
        return
    for section, content in compose.items():
        if section == "services" and isinstance(content, dict):
            for service, body in content.items():
                for key, value in _strings(body, ""):
                    yield str(service), key, value
        else:
            for key, value in _strings(content, ""):
                yield f"({section})", key, value


def terraform_text(compose: Any) -> list[dict[str, str]]:
    """Every compose value still holding Terraform text."""
    return [
        {"service": service, "key": key, "value": value}
        for service, key, value in compose_values(compose)
        if TERRAFORM_TEXT.search(value)
    ]


def no_value_variables(env_example: str) -> dict[str, str]:
    """``.env`` variable → the reference (``address.attribute``) that had no self-hosted value."""
    found: dict[str, str] = {}
    description = ""
    for line in env_example.splitlines():
        if line.startswith("#"):
            description = line
        elif "=" in line:
            match = NO_VALUE.search(description)
            if match:
                found[line.split("=", 1)[0]] = match[1]
            description = ""
    return found


def attribute_of(reference: str) -> str:
    """``module.m.aws_sqs_queue.q[0].arn`` → ``aws_sqs_queue.arn`` (indexes as ``[n]``)."""
    match = ADDRESS.match(reference)
    text = f"{match[1]}.{match[2]}" if match else reference
    return re.sub(r"\[\d+\]", "[n]", text)


def unresolved_env(compose: Any, env_example: str) -> dict[str, Any]:
    """The "no self-hosted value" variables and how many compose values use them."""
    variables = no_value_variables(env_example)
    uses = 0
    for _, _, value in compose_values(compose):
        names = {m[1] for m in DOLLAR.finditer(value) if m[1]}
        uses += bool(names & variables.keys())
    return {"variables": variables, "compose_values": uses}


def text_elsewhere(output: Path) -> list[dict[str, str]]:
    """Terraform text in the other generated configuration files (code, Dockerfiles, the
    README and .env.example, which quote Terraform on purpose, aside)."""
    found = []
    for path in sorted(output.rglob("*")):
        if path.suffix not in CONFIG_SUFFIXES or path.name == "docker-compose.yml":
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if TERRAFORM_TEXT.search(line):
                found.append({"file": path.relative_to(output).as_posix(), "line": line.strip()})
    return found


def stack_findings(output: Path) -> dict[str, Any]:
    """Terraform text and unresolved references in the stack generated in ``output``."""
    compose_path, example = output / "docker-compose.yml", output / ".env.example"
    if not compose_path.is_file():
        return {"terraform_text": [], "unresolved_env": {"variables": {}, "compose_values": 0}}
    compose = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    env_text = example.read_text(encoding="utf-8") if example.is_file() else ""
    return {
        "terraform_text": terraform_text(compose),
        "terraform_text_elsewhere": text_elsewhere(output),
        "unresolved_env": unresolved_env(compose, env_text),
    }


def resources(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The coverage entries of ``inventory --format json`` (no unresolved expressions, notes)."""
    return [e for e in entries if e.get("type") not in ("expression", "note")]


def from_registry(entry: dict[str, Any]) -> bool:
    """Whether a coverage entry comes from a module loaded from ``.terraform/modules``."""
    return INSTALLED in "/" + str(entry.get("file", ""))


def unsourced(output: Path, entries: Iterable[dict[str, Any]]) -> list[str]:
    """The invariant on the stack in ``output``: mapped/partial resources no file names."""
    claims = ((str(e["address"]), str(e["status"]), str(e["reason"])) for e in entries)
    return manifest.unsourced(manifest.read(output), claims)
