"""Sending `smoke`'s probes (httpx, imported when a probe is sent).

Every request goes to the base URL with ``Host: <the manifest's domain>``; over HTTPS the
TLS server name (SNI) is that domain too, so Traefik picks the domain's certificate and
the certificate is checked against the domain even when the base URL names an address
(``--insecure`` accepts any certificate). Redirects are not followed: a route answers
itself. At most 64 KiB of a body is read (enough to tell the shim's own errors).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cloudexit_ci import __version__
from cloudexit_ci.smoke.plan import Answer, Probe

if TYPE_CHECKING:
    import httpx

BODY_LIMIT = 64 * 1024
WORKERS = 8
USER_AGENT = f"cloudexit-ci-smoke/{__version__}"


@dataclass(frozen=True)
class Target:
    base_url: str  # scheme://host[:port][/prefix]
    host: str  # the Host header and TLS server name
    insecure: bool
    timeout: float


@dataclass(frozen=True)
class Sent:
    answer: Answer | None  # None: not sent
    ms: float | None = None


def send_all(probes: Sequence[Probe], target: Target) -> list[Sent]:
    """Every probe's answer, in the probes' order (up to :data:`WORKERS` at a time)."""
    if not any(p.method for p in probes):
        return [Sent(None) for _ in probes]
    import httpx

    with (
        httpx.Client(verify=not target.insecure, timeout=target.timeout) as client,
        ThreadPoolExecutor(max_workers=WORKERS) as pool,
    ):
        return list(pool.map(lambda probe: send(client, probe, target), probes))


def send(client: httpx.Client, probe: Probe, target: Target) -> Sent:
    if probe.method is None:
        return Sent(None)
    import httpx

    url = target.base_url.rstrip("/") + probe.target
    headers = {"Host": target.host, "User-Agent": USER_AGENT, "Accept": "*/*"}
    if probe.body is not None:
        headers["Content-Type"] = "application/json"
    extensions = {}
    if urlsplit(url).scheme == "https" and urlsplit(url).hostname != target.host:
        extensions["sni_hostname"] = target.host
    started = time.perf_counter()
    try:
        request = client.build_request(
            probe.method, url, headers=headers, content=probe.body, extensions=extensions
        )
        response = client.send(request, stream=True)
        try:
            body = _read_some(response)
        finally:
            response.close()
        answer = Answer(response.status_code, _lower(response.headers), body)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        answer = Answer(error=_one_line(exc), unreachable=True)
    except httpx.TimeoutException as exc:
        answer = Answer(error=_one_line(exc), timed_out=True)
    except httpx.HTTPError as exc:
        answer = Answer(error=_one_line(exc))
    return Sent(answer, round((time.perf_counter() - started) * 1000, 1))


def _read_some(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_LIMIT:
            break
    return b"".join(chunks)[:BODY_LIMIT]


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or "no details"
    return f"{type(exc).__name__}: {text}"
