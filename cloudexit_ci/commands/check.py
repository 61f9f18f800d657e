"""`cloudexit-ci check`: render in memory, compare with the checked-in output.

Never writes (except with ``--fix``, which rewrites the output atomically and
exits 1 when it changed anything, the pre-commit convention).
Exit codes: 0 in sync, 1 drift or a failing finding, 2 user error, 4 git missing or
failing (``--data-plan-base``). Settings: ``settings.SETTINGS`` (docs/OPTIONS.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cloudexit_ci.commands.stacks import Target, config_of, targets
from cloudexit_ci.config import Config
from cloudexit_ci.errors import UserError
from cloudexit_ci.ignores import apply_ignores
from cloudexit_ci.layers import add_arguments as _add
from cloudexit_ci.layers import resolve
from cloudexit_ci.pipeline import render
from cloudexit_ci.report import Report, build_report, combined_exit_code, error_report
from cloudexit_ci.settings import setting


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "check")


def _value(args: argparse.Namespace, config: Config, key: str) -> Any:
    """A ``check:`` setting: command line > CLOUDEXIT_* > .cloudexit.yml > default."""
    chosen = setting(key, "check")
    return resolve(chosen, getattr(args, chosen.attr), config.check, config.check_where)


def run(args: argparse.Namespace) -> int:
    config = config_of(args)
    fail_on = frozenset(_value(args, config, "fail-on"))
    soft_fail = bool(_value(args, config, "soft-fail"))
    inline = bool(_value(args, config, "inline-ignores"))
    fmt = str(_value(args, config, "format"))
    args.data_plan_base = _value(args, config, "data-plan-base")
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
