"""``cloudexit-ci comment``: one sticky pull-request comment per stack.

The comment is found by the hidden JSON marker on its first line, parsed and compared
exactly (``prod`` never matches ``non-prod``), across every page of comments. Nothing
is written when the body is unchanged. A 403 (fork PR, read-only token) is a warning.
The action also uses it, with ``--no-post``, to fill the job summary and step outputs.
Bodies over GitHub's size limits are cut by ``comment_fit``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from cloudexit_ci.commands.comment_fit import fit_body
from cloudexit_ci.errors import UserError
from cloudexit_ci.github import (
    COMMENT_LIMIT,
    SUMMARY_LIMIT,
    Comment,
    GitHub,
    Marker,
    PermissionDenied,
    parse_marker,
    read_event,
    warn,
    write_outputs,
)
from cloudexit_ci.layers import add_arguments as _add

Behaviour = Literal["update", "new", "hide-and-new", "delete-and-new"]
BEHAVIOURS: tuple[Behaviour, ...] = get_args(Behaviour)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "comment")


def run(args: argparse.Namespace) -> int:
    body = _read(args.body_file)
    stacks = stack_bodies(body, args.stack)
    if len(stacks) == 1:
        body = stacks[0][1]  # with the marker line added when it had none
    if args.report_json:
        write_outputs(_outputs([m for m, _ in stacks], args.report_json, args.body_file))
    if args.step_summary:
        _append_summary(body)
    if args.no_post:
        return 0
    fitted = []
    for marker, text in stacks:
        cut, was_cut = fit_body(text)
        if was_cut:
            warn(f"{args.body_file}: stack {marker.stack} cut to {COMMENT_LIMIT} characters")
        fitted.append((marker, cut))
    return _post(args, fitted)


STACK_SEPARATOR = re.compile(r"\n---\n\n(?=<!-- cloudexit-ci: \{)")


def stack_bodies(body: str, stack: str | None = None) -> list[tuple[Marker, str]]:
    """One (marker, body) per stack: check's markdown joins stacks with ``---`` rules.

    A single body without a marker gets one for ``stack``. With several stacks,
    ``stack`` picks one of them.
    """
    parts = STACK_SEPARATOR.split(body)
    markers = [parse_marker(p) for p in parts]
    if len(parts) > 1 and all(markers):
        pairs = [(m, p) for m, p in zip(markers, parts, strict=True) if m is not None]
        chosen = [(m, p) for m, p in pairs if not stack or m.stack == stack]
        if not chosen:
            raise UserError(
                f"the body has no stack {stack!r}",
                where="--stack",
                hint="stacks in the body: " + ", ".join(m.stack for m, _ in pairs),
            )
        return chosen
    marker = _marker(body, stack)
    if markers[0] is None and len(parts) == 1:
        body = f"{marker_line(marker.stack)}\n{body}"
    return [(marker, body)]


def marker_line(stack: str) -> str:
    """The hidden first line; ``<``, ``>`` and ``&`` escaped so the JSON cannot end it."""
    payload = json.dumps({"stack": stack, "v": 1})
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"<!-- cloudexit-ci: {payload} -->"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot read the report: {exc.strerror}",
            where=str(path),
            hint="run `cloudexit-ci check --format markdown > FILE` first",
        ) from None


def _marker(body: str, stack: str | None) -> Marker:
    found = parse_marker(body)
    if found and stack and found.stack != stack:
        raise UserError(
            f"the body's marker names stack {found.stack!r}, not {stack!r}",
            where="--stack",
            hint="drop --stack or render the report for that stack",
        )
    if found:
        return found
    if not stack:
        raise UserError(
            "the body has no cloudexit-ci marker on its first line",
            where="--body-file",
            hint="pass --stack ID",
        )
    return Marker(stack=stack)


def _summary(path: Path) -> dict[str, object]:
    try:
        summary = json.loads(path.read_text(encoding="utf-8")).get("summary", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return summary if isinstance(summary, dict) else {}


def _outputs(markers: list[Marker], report_json: Path, body_file: Path) -> dict[str, str]:
    """drift / unmapped-count over every stack: check's json ``summary``, else the markers."""
    summary = _summary(report_json)
    drift = summary.get("drift")
    unmapped = summary.get("unmapped")
    if isinstance(unmapped, list):
        unmapped = len(unmapped)
    if not isinstance(drift, bool):
        known = [m.drift for m in markers]
        drift = None if None in known else any(known)
    if type(unmapped) is not int:
        counts = [m.unmapped for m in markers]
        unmapped = None if None in counts else sum(c or 0 for c in counts)
    return {
        "drift": "" if drift is None else str(drift).lower(),
        "unmapped-count": "" if unmapped is None else str(unmapped),
        "report-path": str(body_file.resolve()),
    }


def _append_summary(body: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    text, _ = fit_body(body, SUMMARY_LIMIT - 1024, unit="bytes")
    with open(target, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def _post(args: argparse.Namespace, stacks: list[tuple[Marker, str]]) -> int:
    """One sticky comment per stack; the comment-url output lists them, one a line."""
    repo, number, token = _target(args)
    api_url = os.environ.get("GITHUB_API_URL") or "https://api.github.com"
    urls = []
    with GitHub(api_url, token) as github:
        for marker, body in stacks:
            try:
                comment = sticky(
                    github, repo, number, marker, body, args.behaviour, args.skip_no_diff
                )
            except PermissionDenied as exc:
                warn(
                    f"no comment posted ({exc.one_line()}); a fork pull request or a read-only "
                    "token cannot comment; the report is in the job summary"
                )
                break
            if comment is None:
                print(f"cloudexit-ci: stack {marker.stack} is in sync; no comment (--skip-no-diff)")
                continue
            print(comment.html_url)
            urls.append(comment.html_url)
    if urls:
        write_outputs({"comment-url": "\n".join(urls)})
    return 0


def _target(args: argparse.Namespace) -> tuple[str, int, str]:
    repo = args.repo or os.environ.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise UserError(f"not a repository: {repo!r}", where="--repo", hint="--repo owner/name")
    event = read_event()
    number = args.pr or (event.get("pull_request") or event.get("issue") or {}).get("number")
    if not isinstance(number, int):
        raise UserError(
            "no pull request number",
            where="--pr",
            hint="pass --pr N or run on a pull_request event",
        )
    token = os.environ.get(args.token_env, "")
    if not token:
        raise UserError(
            f"${args.token_env} is empty",
            where="--token-env",
            hint="pass the token, e.g. env: GITHUB_TOKEN: ${{ github.token }}",
        )
    return repo, number, token


# --- the sticky decision ----------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to do with the stack's comments; at most one comment is created."""

    keep: Comment | None = None
    update: Comment | None = None
    create: bool = False
    hide: tuple[Comment, ...] = ()
    delete: tuple[Comment, ...] = ()


def _same(left: str, right: str) -> bool:
    return left.replace("\r\n", "\n").rstrip() == right.replace("\r\n", "\n").rstrip()


def plan_sticky(
    ours: list[Comment],
    body: str,
    behaviour: Behaviour,
    skip_no_diff: bool,
    clean: bool,
) -> Plan:
    """``ours``: this stack's comments, oldest first. The newest one is the sticky one."""
    latest = ours[-1] if ours else None
    if latest is not None and _same(latest.body, body):
        return Plan(keep=latest)
    if latest is None:
        return Plan(create=not (skip_no_diff and clean))
    if behaviour == "update":
        return Plan(update=latest)
    if behaviour == "hide-and-new":  # older ones were hidden by earlier runs
        return Plan(create=True, hide=(latest,))
    if behaviour == "delete-and-new":
        return Plan(create=True, delete=tuple(ours))
    return Plan(create=True)


def sticky(
    github: GitHub,
    repo: str,
    number: int,
    marker: Marker,
    body: str,
    behaviour: Behaviour,
    skip_no_diff: bool,
) -> Comment | None:
    """Apply the plan: create first, then hide / delete the old, so a failure loses nothing."""
    ours = [c for c in github.list_comments(repo, number) if _is_ours(c, marker.stack)]
    plan = plan_sticky(ours, body, behaviour, skip_no_diff, marker.clean)
    result = plan.keep
    if plan.update is not None:
        result = github.update_comment(repo, plan.update.id, body)
    if plan.create:
        result = github.create_comment(repo, number, body)
    for old in plan.hide:
        github.minimize_comment(old.node_id)
    for old in plan.delete:
        github.delete_comment(repo, old.id)
    return result


def _is_ours(comment: Comment, stack: str) -> bool:
    found = parse_marker(comment.body)
    return found is not None and found.stack == stack
