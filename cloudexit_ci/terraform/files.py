"""Find and parse a directory's Terraform files, and locate the repository root.

Parsing is the expensive step (python-hcl2's lark grammar, ~150 KB/s), so a
parsed file is cached by content hash: in memory for the process and on disk
in the user cache dir (``$XDG_CACHE_HOME/cloudexit-ci/parsed``). ``prime``
parses many files in parallel on every core before a multi-stack run.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform import ast
from cloudexit_ci.terraform.cachedir import cache_dir

_MEMO: dict[str, ast.ParsedFile] = {}
# While a render is being recorded: every input it read, as (kind, path, fingerprint).
_RECORD: list[list[tuple[str, str, str]]] = []
_PARALLEL_MIN_BYTES = 96 * 1024  # below this, forking costs more than it saves


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, str, str]]]:
    """Record every input read inside the block (for the render cache)."""
    inputs: list[tuple[str, str, str]] = []
    _RECORD.append(inputs)
    try:
        yield inputs
    finally:
        _RECORD.pop()


def _note(kind: str, path: Path, fingerprint: str) -> None:
    for inputs in _RECORD:
        inputs.append((kind, str(path.absolute()), fingerprint))


def fingerprint(kind: str, path: Path) -> str:
    """The current fingerprint of one recorded input."""
    try:
        if kind == "file":
            return hashlib.sha256(path.read_bytes()).hexdigest()
        if kind == "dir":
            return _listing(path)
    except OSError:
        return "missing"
    return "1" if path.exists() else "0"


def exists(path: Path) -> bool:
    """``path.exists()``, recorded (a code path appearing changes the output)."""
    found = path.exists()
    _note("exists", path, "1" if found else "0")
    return found


_WATCHED = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


def _listing(directory: Path) -> str:
    names = sorted(p.name for p in directory.iterdir() if p.name.endswith(_WATCHED))
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def repo_root_of(path: Path) -> Path:
    """The nearest ancestor holding ``.git``; outside a git repository (an unpacked
    tarball) the current directory when ``path`` is under it; else ``path`` itself."""
    path = path.resolve()
    for candidate in (path, *path.parents):
        if (candidate / ".git").exists():
            return candidate
    cwd = Path.cwd().resolve()
    if path.is_relative_to(cwd):
        return cwd
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
    _note("dir", directory, _listing(directory))
    return sorted(found, key=lambda p: p.name)


def read_text(path: Path, shown: str) -> str:
    try:
        data = path.read_bytes()
        _note("file", path, hashlib.sha256(data).hexdigest())
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not UTF-8 text ({exc.reason})", where=f"{shown}:1", hint="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", where=shown) from None


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """Changes whenever the parser or the AST records change (stale pickles are ignored)."""
    import importlib.util

    digest = hashlib.sha256()
    spec = importlib.util.find_spec("hcl2")  # located, not imported: hcl2 costs ~150 ms
    if spec is not None and spec.origin:
        hcl2_dir = Path(spec.origin).parent
        for name in ("version.py", "hcl2.lark"):
            with contextlib.suppress(OSError):
                digest.update((hcl2_dir / name).read_bytes())
    here = Path(__file__).parent
    for name in ("ast.py", "parse.py", "jsonsyntax.py", "templates.py"):
        digest.update((here / name).read_bytes())
    return digest.digest()


def _key(data: bytes, shown: str) -> str:
    return hashlib.sha256(_code_fingerprint() + shown.encode() + b"\0" + data).hexdigest()


def _cache_enabled() -> bool:
    return os.environ.get("CLOUDEXIT_NO_CACHE", "") in ("", "0")


def _disk_path(key: str) -> Path:
    return cache_dir() / "parsed" / key[:2] / f"{key}.pickle"


def _load_cached(key: str) -> ast.ParsedFile | None:
    if key in _MEMO:
        return _MEMO[key]
    if not _cache_enabled():
        return None
    try:
        with _disk_path(key).open("rb") as handle:
            parsed = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if isinstance(parsed, ast.ParsedFile):
        _MEMO[key] = parsed
        return parsed
    return None


def _store(key: str, parsed: ast.ParsedFile) -> None:
    _MEMO[key] = parsed
    if not _cache_enabled():
        return
    target = _disk_path(key)
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)


def _parse_bytes(data: bytes, path: Path, shown: str) -> ast.ParsedFile:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"not UTF-8 text ({exc.reason})", where=f"{shown}:1", hint="save the file as UTF-8"
        ) from None
    if path.name.endswith(".json"):
        from cloudexit_ci.terraform.jsonsyntax import parse_json_text  # lark: only on a miss

        return parse_json_text(text, shown)
    from cloudexit_ci.terraform.parse import parse_text

    return parse_text(text, shown)


def parse_file(path: Path, shown: str) -> ast.ParsedFile:
    """Parse one file; ``shown`` is its repository-relative name for messages."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", where=shown) from None
    _note("file", path, hashlib.sha256(data).hexdigest())
    key = _key(data, shown)
    parsed = _load_cached(key)
    if parsed is None:
        parsed = _parse_bytes(data, path, shown)
        _store(key, parsed)
    return parsed


def parse_files(paths: list[Path], root: Path) -> list[ast.ParsedFile]:
    return [parse_file(p, rel(p, root)) for p in paths]


def _parse_job(job: tuple[str, str]) -> ast.ParsedFile | UserError:
    path, shown = job
    try:
        return _parse_bytes(Path(path).read_bytes(), Path(path), shown)
    except UserError as error:
        return error


def prime(paths: Iterable[Path], root: Path) -> None:
    """Parse every not-yet-cached file, in parallel when it pays off.

    Errors are not raised here: the sequential load meets them again, in order,
    with the same file:line message.
    """
    jobs: list[tuple[str, str, str]] = []
    size = 0
    for path in paths:
        try:
            data = path.read_bytes()
            shown = rel(path, root)
        except (OSError, UserError):
            continue
        key = _key(data, shown)
        cached = key in _MEMO or (_cache_enabled() and _disk_path(key).is_file())
        if not cached:  # only test for the cache file: a render-cache hit never needs it
            jobs.append((str(path), shown, key))
            size += len(data)
    workers = min(os.cpu_count() or 1, len(jobs))
    if workers < 2 or size < _PARALLEL_MIN_BYTES or sys.platform != "linux":
        return  # fork is the cheap start method, and only safe on Linux
    _parallel(jobs, workers)


def _parallel(jobs: list[tuple[str, str, str]], workers: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from cloudexit_ci.terraform.parse import parser

    parser()  # build once here: forked workers inherit it instead of reloading it
    context = multiprocessing.get_context("fork")
    jobs = sorted(jobs, key=lambda j: -os.path.getsize(j[0]))  # big files first
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_parse_job, [(p, s) for p, s, _ in jobs], chunksize=4)
        for (_, _, key), result in zip(jobs, results, strict=True):
            if isinstance(result, ast.ParsedFile):
                _store(key, result)
