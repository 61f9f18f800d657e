"""`cloudexit-ci smoke`: check a running stack, after `docker compose up`.

    cloudexit-ci smoke --stack DIR [--base-url URL] [--format text|json] [--allow-writes]
        [--insecure] [--timeout SECONDS] [--no-compose] [--compose-project NAME]

Reads ``DIR/.cloudexit/manifest.json`` strictly, sends one safe request per route
(``cloudexit_ci.smoke.plan`` says what and how an answer is judged) to the base URL
(default ``https://<the manifest's domain>``) and checks each function service's health
through Docker Compose (``cloudexit_ci.smoke.health``; a Swarm or Kubernetes stack:
the routes only). Exit 0: every route and service passed; 1: one failed; 2: a user
error (bad flag, missing or broken manifest); 4: the base URL cannot be reached at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cloudexit_ci import manifest
from cloudexit_ci.errors import ExternalError, UserError
from cloudexit_ci.layers import add_arguments as _add
from cloudexit_ci.smoke.health import compose_health
from cloudexit_ci.smoke.plan import judge, probe_for
from cloudexit_ci.smoke.report import Report, RouteResult, render_json, render_text

URL_HINT = "e.g. https://127.0.0.1:8443 (the published port of the Traefik container)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "smoke")


def run(args: argparse.Namespace) -> int:
    stack_dir = Path(args.stack)
    found = manifest.load(stack_dir)
    domain = found.options.get("domain", "")
    base_url = base_url_of(args.base_url, domain, str(stack_dir / manifest.MANIFEST_PATH))
    host = domain or urlsplit(base_url).hostname or ""
    results = probe_routes(found.routes, base_url, host, args)
    platform = found.options.get("platform", "compose")
    health = compose_health(
        stack_dir, found.functions, args.compose_project, args.compose, platform
    )
    report = Report(
        found.stack, str(stack_dir / manifest.MANIFEST_PATH), base_url, host, results, health
    )
    sys.stdout.write(render_json(report) if args.format == "json" else render_text(report))
    return 0 if report.ok else 1


def base_url_of(given: str | None, domain: str, manifest_path: str) -> str:
    """``--base-url`` checked, or ``https://<domain>``."""
    if given is None:
        if not domain:
            raise UserError(
                "the manifest names no domain (options.domain)",
                where=manifest_path,
                hint=f"pass --base-url, {URL_HINT}",
            )
        return f"https://{domain}"
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise UserError(f"{given!r} is not an http(s) URL", where="--base-url", hint=URL_HINT)
    try:
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise UserError(f"{given!r} has a bad port", where="--base-url", hint=URL_HINT) from None
    return given


def probe_routes(
    routes: tuple[manifest.RouteEntry, ...], base_url: str, host: str, args: argparse.Namespace
) -> tuple[RouteResult, ...]:
    """One probe per route, sent and judged; ExternalError when none got through at all."""
    from cloudexit_ci.smoke.http import Target, send_all

    probes = [probe_for(route, args.allow_writes) for route in routes]
    sent = send_all(probes, Target(base_url, host, args.insecure, args.timeout))
    answers = [s.answer for s in sent if s.answer is not None]
    if answers and all(a.unreachable for a in answers):
        hint = "is the stack up? --base-url names the Traefik container's published port"
        if urlsplit(base_url).scheme == "https":
            hint += "; --insecure accepts Traefik's self-signed default certificate"
        raise ExternalError(f"cannot reach the stack: {answers[0].error}", where=base_url,
                            hint=hint)  # fmt: skip
    return tuple(
        RouteResult(
            probe.route,
            probe,
            None if s.answer is None else s.answer.status,
            judge(probe, s.answer, args.timeout),
            s.ms,
        )
        for probe, s in zip(probes, sent, strict=True)
    )
