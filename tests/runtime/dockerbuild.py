"""Enough of `docker build` to see where a generated Dockerfile puts each file,
without a Docker engine: every stage gets its own directory as its "/", and the
instructions the function Dockerfiles use are carried out on it.

- COPY [--from=<stage or named context>] (JSON or plain form): a directory
  source copies its contents, a file source lands in ``dest/`` when ``dest``
  ends with a slash (or several sources are given), else at ``dest``; a missing
  source, or a source outside its context, fails the build, as in Docker. Modes
  are kept; files a COPY creates belong to root (uid 0) in the image.
- RUN: a command that works under /unpack (the zip extraction of the unpack
  stage) really runs, with /unpack pointing into the stage's directory; any
  other RUN (package installs) must not touch /unpack or /var/task and is skipped.
- ENV, WORKDIR, USER, CMD are recorded; EXPOSE, HEALTHCHECK ignored.
  Anything else fails, so a new instruction in a template is noticed here.
"""

from __future__ import annotations

import json
import os
import posixpath
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class BuildError(AssertionError):
    """What `docker build` would refuse."""


@dataclass
class Stage:
    name: str | None
    root: Path  # the stage's "/" on this machine
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    cmd: list[str] = field(default_factory=list)
    skipped_runs: list[str] = field(default_factory=list)

    def path(self, image_path: str) -> Path:
        """Where ``image_path`` (absolute, or relative to WORKDIR) lives on this machine."""
        full = posixpath.normpath(posixpath.join(self.workdir, image_path))
        return self.root / full.lstrip("/")


@dataclass
class Build:
    context: Path
    named: dict[str, Path]  # named build contexts (compose additional_contexts)
    workspace: Path
    stages: list[Stage] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        if not self.stages:
            raise BuildError("an instruction before the first FROM")
        return self.stages[-1]


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: comments dropped, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.split("\n"):  # LF only, as Docker (not U+2028 like splitlines)
        if line.lstrip().startswith("#") or (not pending and not line.strip()):
            continue
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        logical, pending = pending + line, ""
        op, _, args = logical.strip().partition(" ")
        out.append((op.upper(), args.strip()))
    if pending:
        raise BuildError(f"the Dockerfile ends inside a continued line: {pending!r}")
    return out


def build(dockerfile: str, context: Path, named: dict[str, Path], workspace: Path) -> Build:
    """Carry out ``dockerfile`` over ``context``; the stages' file trees go under ``workspace``."""
    state = Build(context, named, workspace)
    for op, args in instructions(dockerfile):
        handler = HANDLERS.get(op)
        if handler is None:
            raise BuildError(f"instruction {op} is not interpreted here: {op} {args}")
        handler(state, args)
    return state


def _from(state: Build, args: str) -> None:
    words = args.split()
    name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
    if len(words) not in (1, 3) or (len(words) == 3 and name is None):
        raise BuildError(f"FROM {args}")
    root = state.workspace / f"stage{len(state.stages)}"
    root.mkdir(parents=True)
    state.stages.append(Stage(name, root))


def _flags(args: str) -> tuple[dict[str, str], str]:
    flags: dict[str, str] = {}
    rest = args
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        key, _, value = flag[2:].partition("=")
        flags[key] = value
        rest = rest.lstrip()
    return flags, rest


def _source_root(state: Build, origin: str | None) -> Path:
    if origin is None:
        return state.context
    for stage in state.stages[:-1]:
        if stage.name == origin:
            return stage.root
    if origin in state.named:
        return state.named[origin]
    raise BuildError(f"COPY --from={origin}: no such stage or named context")


def _resolve(root: Path, src: str) -> Path:
    """A COPY source inside its context (a leading / or .. cannot leave it)."""
    clean = posixpath.normpath("/" + src).lstrip("/")
    path = (root / clean) if clean not in ("", ".") else root
    if not path.exists():
        raise BuildError(f"COPY source {src!r} not found in {root}")
    if src.endswith("/") and not path.is_dir():
        raise BuildError(f"COPY source {src!r} is not a directory")
    return path


def _copy(state: Build, args: str) -> None:
    flags, rest = _flags(args)
    origin = flags.pop("from", None)
    if flags:
        raise BuildError(f"COPY flags not interpreted here: {sorted(flags)}")
    parts = json.loads(rest) if rest.startswith("[") else rest.split()
    if len(parts) < 2:
        raise BuildError(f"COPY {args}")
    *sources, dest = parts
    stage = state.stage
    root = _source_root(state, origin)
    into_dir = dest.endswith("/") or len(sources) > 1
    target = stage.path(dest)
    for src in sources:
        source = _resolve(root, src)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            continue
        land = target / source.name if into_dir or target.is_dir() else target
        land.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, land)


def _run(state: Build, args: str) -> None:
    stage = state.stage
    if "/unpack" not in args:
        if "/var/task" in args:
            raise BuildError(f"a RUN this interpreter skips changes /var/task: {args}")
        stage.skipped_runs.append(args)
        return
    command = args.replace("/unpack", shlex.quote(str(stage.root / "unpack")))
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"RUN {args}\n{done.stdout}{done.stderr}")


def _env(state: Build, args: str) -> None:
    for word in shlex.split(args):
        key, equals, value = word.partition("=")
        if not equals:
            raise BuildError(f"ENV {args}: only the KEY=value form is interpreted")
        state.stage.env[key] = value


def _workdir(state: Build, args: str) -> None:
    stage = state.stage
    stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, args))
    stage.path(".").mkdir(parents=True, exist_ok=True)


def _user(state: Build, args: str) -> None:
    state.stage.user = args


def _cmd(state: Build, args: str) -> None:
    state.stage.cmd = json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]


def _ignore(state: Build, args: str) -> None:
    pass


HANDLERS: dict[str, Callable[[Build, str], None]] = {
    "FROM": _from,
    "COPY": _copy,
    "RUN": _run,
    "ENV": _env,
    "WORKDIR": _workdir,
    "USER": _user,
    "CMD": _cmd,
    "EXPOSE": _ignore,
    "HEALTHCHECK": _ignore,
}


def readable_by_others(stage: Stage, image_path: str) -> bool:
    """A non-root USER can read the file: o+r on it and o+x on every directory
    between it and "/" (every file a COPY creates belongs to root)."""
    path = stage.path(image_path)
    dirs = [d for d in path.parents if stage.root in d.parents]
    return bool(path.stat().st_mode & 0o004) and all(d.stat().st_mode & 0o001 for d in dirs)


def writable_by_others(stage: Stage, image_path: str) -> bool:
    return bool(stage.path(image_path).stat().st_mode & 0o022)
