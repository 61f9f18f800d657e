"""`cloudexit-ci check`: render in memory, compare with the checked-in output.

Never writes (except with ``--fix``, which rewrites the output atomically and
exits 1 when it changed anything, the pre-commit convention).
Exit codes: 0 in sync, 1 drift or a failing finding, 2 user error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cloudexit_ci.commands.common import add_generate_arguments
from cloudexit_ci.commands.stacks import Target, add_config_argument, config_of, targets
from cloudexit_ci.config import Config, pick
from cloudexit_ci.errors import UserError
from cloudexit_ci.ignores import apply_ignores
from cloudexit_ci.pipeline import render
from cloudexit_ci.report import (
    DEFAULT_FAIL_ON,
    FAIL_ON_CHOICES,
    Report,
    build_report,
    combined_exit_code,
    error_report,
)

FORMATS = ("text", "markdown", "json", "sarif", "github")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_generate_arguments(parser)
    add_config_argument(parser)
    parser.add_argument("--format", choices=FORMATS, default=None)
    parser.add_argument(
        "--fail-on",
        default=None,
        metavar="LIST",
        help=f"comma list of {', '.join(sorted(FAIL_ON_CHOICES))} (default: drift,error)",
    )
    parser.add_argument("--soft-fail", action="store_true", default=None)
    parser.add_argument("--fix", action="store_true", help="rewrite the output (exit 1 if changed)")
    parser.add_argument("--no-inline-ignores", action="store_true", default=None)
    parser.add_argument("--report-file", type=Path, default=None, help="write the report here")
    parser.add_argument("--run-url", default=None, help="link shown in markdown reports")
    parser.add_argument(
        "--data-plan-base",
        default=None,
        metavar="GIT_REF",
        help="compare the data plan with the manifest at this commit (a PR's base)",
    )


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    settings = dict(config.check)
    fail_on = _fail_on(pick(args.fail_on, "fail-on", settings, None))
    soft_fail = _flag(pick(args.soft_fail, "soft-fail", settings, False))
    inline = not _flag(pick(args.no_inline_ignores, "no-inline-ignores", settings, False))
    inline = inline and _flag(settings.get("inline-ignores", True))
    fmt = str(pick(args.format, "format", settings, "text"))
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}", where="format", hint=", ".join(FORMATS))
    args.data_plan_base = pick(args.data_plan_base, "data-plan-base", settings, None)
    reports, changed = _check_all(args, config, inline_ignores=inline)
    _emit(reports, fmt, args)
    for report in reports:  # user errors also get their one line on stderr
        for error in report.errors:
            print(UserError(error.message, where=error.where, hint=error.hint).one_line(),
                  file=sys.stderr)  # fmt: skip
    if args.fix:
        return 1 if changed else combined_exit_code(reports, fail_on - {"drift"}, soft_fail)
    return combined_exit_code(reports, fail_on, soft_fail)


def _check_all(
    args: argparse.Namespace, config: Config, *, inline_ignores: bool
) -> tuple[list[Report], bool]:
    reports: list[Report] = []
    changed = False
    chosen = targets(args, config)
    _prime(chosen)
    for target in chosen:
        try:
            report, wrote = _check_one(
                target, fix=args.fix, inline_ignores=inline_ignores, base=args.data_plan_base
            )
        except UserError as error:
            report, wrote = (
                error_report(
                    target.options.stack_name, target.label, str(target.source.directory), error
                ),
                False,
            )
        reports.append(report)
        changed = changed or wrote
    return reports, changed


def _check_one(
    target: Target, *, fix: bool, inline_ignores: bool, base: str | None = None
) -> tuple[Report, bool]:
    from cloudexit_ci.diff import read_checked_in

    result = render(target.source, target.options)
    output = Path(target.options.output_dir)
    actual = read_checked_in(output, result.tree)
    coverage = list(result.coverage)
    if inline_ignores:
        coverage, notes = apply_ignores(coverage, result.ignores)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
    report = build_report(
        stack=target.options.stack_name,
        output_dir=_repo_relative(output, Path(result.repo_root)),
        terraform_dir=result.root_dir,
        expected=result.tree,
        actual=actual,
        coverage=coverage,
        plan_baseline=_manifest_at(base, output, Path(result.repo_root)) if base else None,
    )
    if not (fix and report.drifts):
        return report, False
    from cloudexit_ci.commands.migrate import previous_files
    from cloudexit_ci.render.tree import write_tree

    return report, write_tree(result.tree, output, previous_files(output))


def _prime(chosen: list[Target]) -> None:
    """Parse every stack's files up front, on every core (a no-op when cached)."""
    from cloudexit_ci.terraform.files import prime, repo_root_of

    paths = []
    for target in chosen:
        directory = target.source.directory
        if directory.is_dir():
            paths += sorted(directory.glob("*.tf")) + sorted(directory.glob("**/modules/*/*.tf"))
    if paths:
        prime(paths, repo_root_of(chosen[0].source.directory))


def _manifest_at(ref: str, output: Path, repo: Path) -> bytes:
    """The stack's manifest as committed at ``ref`` (b"{}" if the stack is new there)."""
    from cloudexit_ci import manifest

    found = manifest.at_ref(repo, ref, _repo_relative(output, repo), flag="--data-plan-base")
    return b"{}" if found is None else found


def _repo_relative(path: Path, repo: Path) -> str:
    try:
        return path.resolve().relative_to(repo).as_posix()
    except ValueError:
        return str(path)


def _emit(reports: list[Report], fmt: str, args: argparse.Namespace) -> None:
    from cloudexit_ci.reporters import REPORTERS

    color = fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    run_url = args.run_url or _github_run_url()
    text = REPORTERS[fmt](reports, color=color, run_url=run_url)
    if args.report_file:
        args.report_file.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def _github_run_url() -> str | None:
    server, repo, run_id = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run_id}" if server and repo and run_id else None


def _fail_on(value: object) -> frozenset[str]:
    if value is None:
        return DEFAULT_FAIL_ON
    items = value if isinstance(value, list) else str(value).split(",")
    chosen = frozenset(str(i).strip() for i in items if str(i).strip())
    unknown = chosen - FAIL_ON_CHOICES
    if unknown:
        raise UserError(
            f"unknown --fail-on value(s): {', '.join(sorted(unknown))}",
            where="--fail-on",
            hint=f"use any of {', '.join(sorted(FAIL_ON_CHOICES))}",
        )
    return chosen


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")
