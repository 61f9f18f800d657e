"""Arguments shared by `migrate`, `check` and `inventory`, and their validation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from cloudexit_ci.errors import UserError
from cloudexit_ci.naming import safe_name
from cloudexit_ci.options import WRITE_ISOLATION, Options
from cloudexit_ci.pipeline import Source

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("terraform_dir", metavar="TERRAFORM_DIR", type=Path, nargs="?")
    parser.add_argument("--var-file", action="append", default=[], type=Path, metavar="FILE")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--output", "-o", type=Path, metavar="OUT")
    parser.add_argument("--domain", default=None, help="public host name Traefik serves")
    parser.add_argument("--name", default=None, help="Compose project name (default: OUT's name)")
    parser.add_argument(
        "--serverless-mode", choices=("containerized", "consolidated"), default=None
    )
    parser.add_argument("--dynamodb-mode", choices=("alternator", "cql"), default=None)
    parser.add_argument("--object-store", choices=("minio", "seaweedfs"), default=None)
    parser.add_argument("--acme-email", default=None, metavar="EMAIL")
    parser.add_argument("--alternator-write-isolation", choices=WRITE_ISOLATION, default=None)


def source_of(args: argparse.Namespace) -> Source:
    if args.terraform_dir is None:
        raise UserError(
            "TERRAFORM_DIR is required",
            where="command line",
            hint="cloudexit-ci migrate ./terraform -o out",
        )
    return Source(args.terraform_dir, tuple(args.var_file), tuple(args.var))


def options_of(args: argparse.Namespace) -> Options:
    if args.output is None:
        raise UserError("--output is required", where="--output", hint="--output ./self-hosted")
    domain = args.domain or "api.example.com"
    if not _HOSTNAME.match(domain):
        raise UserError(
            f"--domain {domain!r} is not a host name",
            where="--domain",
            hint="--domain api.example.com",
        )
    email = args.acme_email or ""
    if email and not _EMAIL.match(email):
        raise UserError(f"--acme-email {email!r} is not an e-mail address", where="--acme-email")
    output = Path(args.output).resolve()
    return Options(
        domain=domain.lower(),
        serverless_mode=args.serverless_mode or "containerized",
        dynamodb_mode=args.dynamodb_mode or "alternator",
        object_store=args.object_store or "minio",
        acme_email=email,
        write_isolation=args.alternator_write_isolation or "only_rmw_uses_lwt",
        stack_name=safe_name(args.name or output.name, "stack"),
        output_dir=str(output),
    )
