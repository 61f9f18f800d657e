"""Find and parse a directory's Terraform files, and locate the repository root."""

from __future__ import annotations

from pathlib import Path

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.parse import parse_json_text, parse_text


def repo_root_of(path: Path) -> Path:
    """The nearest ancestor holding ``.git``; else ``path`` itself."""
    path = path.resolve()
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    return path


def rel(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as POSIX text; UserError if it escapes ``root``."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root).as_posix() or "."
    except ValueError:
        raise UserError(
            f"{path} is outside the repository {root}",
            where=str(path),
            hint="keep Terraform, modules and function code inside the repository",
        ) from None


def terraform_files(directory: Path) -> list[Path]:
    """``*.tf`` and ``*.tf.json`` of one directory (not recursive), sorted."""
    if not directory.is_dir():
        raise UserError(
            f"{directory} is not a directory",
            where=str(directory),
            hint="pass the directory that holds your .tf files",
        )
    found = [
        p
        for p in directory.iterdir()
        if p.is_file() and (p.name.endswith(".tf") or p.name.endswith(".tf.json"))
    ]
    return sorted(found, key=lambda p: p.name)


def read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not UTF-8 text ({exc.reason})", where=f"{shown}:1", hint="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", where=shown) from None


def parse_file(path: Path, shown: str) -> ast.ParsedFile:
    """Parse one file; ``shown`` is its repository-relative name for messages."""
    text = read_text(path, shown)
    if path.name.endswith(".json"):
        return parse_json_text(text, shown)
    return parse_text(text, shown)


def parse_files(paths: list[Path], root: Path) -> list[ast.ParsedFile]:
    return [parse_file(p, rel(p, root)) for p in paths]
