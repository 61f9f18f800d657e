"""``.cloudexit/manifest.json``: the one module that builds, encodes and reads it.

The manifest lists every generated file with its sha256 and the Terraform addresses
it came from, the options of the run, and the data plan (what ``migrate-data --stack``
copies). ``render`` writes it (:func:`build` + :func:`encode`); ``diff`` and ``check``
read it leniently (:func:`parse`, :func:`read`: a missing or broken manifest is an
empty one); ``migrate-data`` and ``smoke`` read it strictly (:func:`load`: a broken
manifest is a user error naming the file and key); ``check --data-plan-base`` and the action read
it as committed at a git ref (:func:`at_ref`).

Encoding is deterministic: files sorted by path, the data plan by (kind, address),
two-space JSON, LF, no timestamps. Mappings inside (``options``, a move's ``source``
and ``target``) keep the order they are given in: callers pass them sorted.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cloudexit_ci import __version__
from cloudexit_ci.errors import UserError
from cloudexit_ci.tree import sha256

MANIFEST_PATH = PurePosixPath(".cloudexit/manifest.json")
GENERATOR = f"cloudexit-ci {__version__}"


@dataclass(frozen=True)
class FileEntry:
    """One generated file: its digest and the Terraform addresses it came from."""

    sha256: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataMove:
    """One entry of the manifest's ``dataPlan``: what ``migrate-data`` copies, and where."""

    address: str
    kind: str
    source: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, entry: object) -> DataMove | None:
        """The move, or None when ``entry`` is no mapping with a string ``address``."""
        if not isinstance(entry, dict) or not isinstance(entry.get("address"), str):
            return None
        source, target = entry.get("source"), entry.get("target")
        return cls(
            address=entry["address"],
            kind=str(entry.get("kind", "")),
            source=dict(source) if isinstance(source, dict) else {},
            target=dict(target) if isinstance(target, dict) else {},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "address": self.address,
            "source": dict(self.source),
            "target": dict(self.target),
        }


@dataclass(frozen=True, order=True)
class RouteEntry:
    """One route the edge serves: what `cloudexit-ci smoke` probes."""

    method: str  # GET, POST… or ANY
    path: str  # API Gateway's template (/items/{id}), or $default
    function: str  # the function's name
    service: str  # the container that runs it

    @classmethod
    def from_json(cls, entry: object) -> RouteEntry | None:
        if not isinstance(entry, dict):
            return None
        fields = [entry.get(k) for k in ("method", "path", "function", "service")]
        texts = [f for f in fields if isinstance(f, str)]
        return cls(*texts) if len(texts) == len(fields) else None


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest. ``valid`` is False when the bytes were not a readable manifest
    (then ``files`` is empty; the data plan holds whatever entries could be read)."""

    generator: str = ""
    stack: str = ""
    terraform: str = ""
    options: dict[str, str] = field(default_factory=dict)
    files: dict[PurePosixPath, FileEntry] = field(default_factory=dict)
    data_plan: tuple[DataMove, ...] = ()
    routes: tuple[RouteEntry, ...] = ()
    functions: dict[str, str] = field(default_factory=dict)  # function name → its service
    valid: bool = True


def build(
    *,
    stack: str,
    terraform: str,
    options: Mapping[str, str],
    files: Mapping[str, tuple[bytes, Sequence[str]]],
    data_plan: Iterable[DataMove],
    routes: Iterable[RouteEntry] = (),
    functions: Mapping[str, str] | None = None,
) -> Manifest:
    """The manifest of a render, from plain data: ``files`` maps each output path to
    (its bytes, the addresses it came from)."""
    return Manifest(
        generator=GENERATOR,
        stack=stack,
        terraform=terraform,
        options=dict(options),
        files={
            PurePosixPath(path): FileEntry(sha256(data), tuple(sources))
            for path, (data, sources) in files.items()
        },
        data_plan=tuple(data_plan),
        routes=tuple(sorted(set(routes))),
        functions=dict(sorted((functions or {}).items())),
    )


def encode(manifest: Manifest) -> bytes:
    """The manifest's bytes: the same manifest always gives the same bytes."""
    document = {
        "generator": manifest.generator,
        "stack": manifest.stack,
        "terraform": manifest.terraform,
        "options": dict(manifest.options),
        "files": {
            str(path): {"sha256": entry.sha256, "sources": list(entry.sources)}
            for path, entry in sorted(manifest.files.items(), key=lambda item: str(item[0]))
        },
        "dataPlan": [
            move.to_json() for move in sorted(manifest.data_plan, key=lambda m: (m.kind, m.address))
        ],
    }
    if manifest.functions:
        document["functions"] = dict(manifest.functions)
    if manifest.routes:
        document["routes"] = [
            {"method": r.method, "path": r.path, "function": r.function, "service": r.service}
            for r in manifest.routes
        ]
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def _files(raw: object) -> dict[PurePosixPath, FileEntry] | None:
    if not isinstance(raw, dict):
        return None
    try:
        return {
            PurePosixPath(name): FileEntry(
                str(entry["sha256"]), tuple(str(s) for s in entry.get("sources", ()))
            )
            for name, entry in raw.items()
        }
    except (KeyError, TypeError, AttributeError):
        return None


def _from_document(raw: dict[str, Any], files: dict[PurePosixPath, FileEntry] | None) -> Manifest:
    plan = raw.get("dataPlan")
    moves = (DataMove.from_json(e) for e in plan) if isinstance(plan, list) else ()
    options = raw.get("options")
    routes = raw.get("routes")
    found = (RouteEntry.from_json(r) for r in routes) if isinstance(routes, list) else ()
    functions = raw.get("functions")
    return Manifest(
        generator=str(raw.get("generator", "")),
        stack=str(raw.get("stack", "")),
        terraform=str(raw.get("terraform", "")),
        options={str(k): str(v) for k, v in options.items()} if isinstance(options, dict) else {},
        files=files or {},
        data_plan=tuple(m for m in moves if m is not None),
        routes=tuple(r for r in found if r is not None),
        functions={str(k): str(v) for k, v in functions.items()}
        if isinstance(functions, dict)
        else {},
        valid=files is not None,
    )


@functools.lru_cache(maxsize=16)  # diff and report parse the same bytes several times
def parse(data: bytes | None) -> Manifest:
    """Lenient: never raises. None (no manifest) is an empty, valid Manifest; bytes that
    are not a manifest give ``valid=False``."""
    if data is None:
        return Manifest()
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        return Manifest(valid=False)
    if not isinstance(raw, dict):
        return Manifest(valid=False)
    return _from_document(raw, _files(raw.get("files")))


def parse_strict(data: bytes, where: str) -> Manifest:
    """Strict: a UserError naming ``where`` (the file) and the key that is wrong."""
    hint = "regenerate the stack with `cloudexit-ci migrate`"
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise UserError(f"the manifest is not JSON ({exc})", where=where, hint=hint) from None
    if not isinstance(raw, dict):
        raise UserError("the manifest is not a JSON object", where=where, hint=hint)
    files = _files(raw.get("files", {}))
    if files is None:
        raise UserError("`files` must map paths to {sha256, sources}", where=f"{where}: files",
                        hint=hint)  # fmt: skip
    plan = raw.get("dataPlan", [])
    if not isinstance(plan, list):
        raise UserError("`dataPlan` is not a list", where=f"{where}: dataPlan", hint=hint)
    for index, entry in enumerate(plan):
        move = DataMove.from_json(entry)
        if move is None or not move.kind:
            raise UserError("a data-plan entry needs a string `address` and `kind`",
                            where=f"{where}: dataPlan[{index}]", hint=hint)  # fmt: skip
    _check_routes(raw, where, hint)
    return _from_document(raw, files)


def _check_routes(raw: dict[str, Any], where: str, hint: str) -> None:
    """``routes`` a list of {method, path, function, service} strings, ``functions`` a
    mapping of names to service names (both optional)."""
    routes = raw.get("routes", [])
    if not isinstance(routes, list):
        raise UserError("`routes` is not a list", where=f"{where}: routes", hint=hint)
    for index, entry in enumerate(routes):
        if RouteEntry.from_json(entry) is None:
            raise UserError("a route needs string `method`, `path`, `function` and `service`",
                            where=f"{where}: routes[{index}]", hint=hint)  # fmt: skip
    functions = raw.get("functions", {})
    if not isinstance(functions, dict) or not all(isinstance(v, str) for v in functions.values()):
        raise UserError("`functions` must map function names to service names",
                        where=f"{where}: functions", hint=hint)  # fmt: skip


def read(output_dir: Path) -> Manifest:
    """The manifest in a generated stack, leniently (missing: an empty Manifest)."""
    try:
        data = (output_dir / MANIFEST_PATH).read_bytes()
    except OSError:
        return Manifest()
    return parse(data)


def load(output_dir: Path) -> Manifest:
    """The manifest in a generated stack, strictly: a missing or broken one is a UserError."""
    path = output_dir / MANIFEST_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(
            "no manifest in the stack", where=str(path), hint="run `cloudexit-ci migrate` first"
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read the manifest: {exc.strerror}", where=str(path)) from None
    return parse_strict(data, str(path))


def unsourced(manifest: Manifest, coverage: Iterable[tuple[str, str, str]]) -> list[str]:
    """The invariant of honest statuses: of ``coverage`` (address, status, reason), the
    ``mapped`` and ``partial`` resources that no generated file other than the README names
    as a source, as ``"address (status: reason)"``, sorted. Empty when statuses are honest."""
    named = {
        source
        for path, entry in manifest.files.items()
        if str(path) != "README.md"
        for source in entry.sources
    }
    return sorted(
        f"{address} ({status}: {reason})"
        for address, status, reason in coverage
        if status in ("mapped", "partial") and address not in named
    )


def at_ref(repo: Path, ref: str, stack_dir: str, *, flag: str) -> bytes | None:
    """The manifest of the stack in ``stack_dir`` (repo-relative; ``.`` for the root) as
    committed at ``ref``; None when the stack has no manifest there (a new stack).

    A ``ref`` that is no commit of ``repo`` is a UserError naming ``flag``; a missing
    ``git`` is an ExternalError.
    """
    from cloudexit_ci import gitcli

    path = str(MANIFEST_PATH) if stack_dir in ("", ".") else f"{stack_dir}/{MANIFEST_PATH}"
    found = gitcli.show(repo, ref, path)
    if found is None and not gitcli.is_commit(repo, ref):
        raise UserError(
            f"{ref!r} is not a commit of {repo}",
            where=flag,
            hint="fetch it (actions/checkout with fetch-depth: 0)",
        )
    return found
