"""The few git commands cloudexit-ci runs (the manifest at a commit, the files of a commit).

git is an external tool: when it is missing, or fails for a reason that is not the
user's input, an :class:`ExternalError` names the command (exit 4).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from cloudexit_ci.errors import ExternalError


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git -C repo ARGS``; its result whatever the exit status (callers decide)."""
    command = ["git", "-C", str(repo), *args]
    try:
        return subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError:
        raise ExternalError(
            "git is not installed (or not on PATH)",
            where=" ".join(command[:4]),
            hint="install git, or drop the option that needs it",
        ) from None
    except OSError as exc:
        raise ExternalError(f"cannot run git: {exc}", where=" ".join(command[:4])) from None


def show(repo: Path, ref: str, path: str) -> bytes | None:
    """The file ``path`` as committed at ``ref``; None when ``ref`` does not hold it."""
    done = run(repo, "show", f"{ref}:{path}")
    return done.stdout if done.returncode == 0 else None


def is_commit(repo: Path, ref: str) -> bool:
    return run(repo, "cat-file", "-e", f"{ref}^{{commit}}").returncode == 0


def files_at(repo: Path, ref: str) -> list[str]:
    """Every file path (repo-relative) of commit ``ref``."""
    done = run(repo, "ls-tree", "-r", "--name-only", ref)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExternalError(
            f"git ls-tree failed: {message[-1] if message else done.returncode}",
            where=f"git -C {repo} ls-tree -r --name-only {ref}",
        )
    return done.stdout.decode("utf-8", "surrogateescape").splitlines()


def toplevel(cwd: Path) -> Path | None:
    """The work tree's root, None outside a git repository."""
    done = run(cwd, "rev-parse", "--show-toplevel")
    return Path(done.stdout.decode().strip()) if done.returncode == 0 else None
