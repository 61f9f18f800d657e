"""Command line entry point: argparse and dispatch only.

Every command lives in ``cloudexit_ci.commands.<name>`` and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Commands are imported
lazily so that ``check`` never pays for boto3 or cassandra-driver.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn, Protocol, cast

from cloudexit_ci import __version__
from cloudexit_ci.errors import CloudExitError, UserError


class Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# name -> (module, one-line help). The one explicit registry of commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "migrate": ("cloudexit_ci.commands.migrate", "generate the self-hosted stack"),
    "check": ("cloudexit_ci.commands.check", "report drift between Terraform and the stack"),
    "inventory": ("cloudexit_ci.commands.inventory", "list every resource and its status"),
    "migrate-data": ("cloudexit_ci.commands.migrate_data", "copy DynamoDB and S3 data"),
    "comment": ("cloudexit_ci.commands.comment", "post the sticky pull-request comment"),
    "smoke": (
        "cloudexit_ci.commands.smoke",
        "check a running stack: one request per route, each function's container health",
    ),
}


class _Exit(Exception):
    """``--help`` / ``--version`` done: the status argparse wanted to exit with."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting: ``main`` returns, tests stay in-process.

    A bad flag is a UserError (exit 2, one line naming the command and the fix)."""

    def error(self, message: str) -> NoReturn:
        raise UserError(message, where=self.prog, hint=f"see `{self.prog} --help`")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


def _load(name: str) -> Command:
    return cast(Command, importlib.import_module(COMMANDS[name][0]))


def _parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, Command | None]:
    parser = Parser(
        prog="cloudexit-ci",
        description="Generate a self-hosted Docker Compose stack from AWS Terraform.",
    )
    parser.add_argument("--version", action="version", version=f"cloudexit-ci {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    command: Command | None = None
    for name, (_, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            command = _load(name)
            command.add_arguments(sub_parser)
    return parser, command


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args, extra = parser.parse_known_args(argv)
    if extra:
        prog = " ".join(filter(None, (parser.prog, getattr(args, "command", None))))
        raise UserError(
            f"unrecognized arguments: {' '.join(extra)}",
            where=prog,
            hint=f"see `{prog} --help`",
        )
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        parser, command = _parser(args_list)
        args = _parse(parser, args_list)
        if command is None:
            parser.print_help(sys.stderr)
            return 2
        return command.run(args)
    except _Exit as done:
        return done.status
    except CloudExitError as exc:
        print(exc.one_line(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # the one top-level handler: no traceback for users
        print(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in cloudexit-ci; rerun with CLOUDEXIT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        if _debug():
            raise
        return 3


def _debug() -> bool:
    import os

    return os.environ.get("CLOUDEXIT_DEBUG", "") not in ("", "0")


def entry() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
