"""boto3 clients for one side of a migration (imported lazily: `check` never pays)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data.external import watch
from cloudexit_ci.migrate_data.retry import botocore_config


@dataclass(frozen=True)
class Endpoint:
    """Where one side lives. ``url`` None means real AWS; keys come from the named env vars
    (or the standard AWS environment when those are None)."""

    url: str | None = None
    region: str | None = None
    access_key_env: str | None = None
    secret_key_env: str | None = None


def credentials(endpoint: Endpoint, flag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    pairs = (
        ("aws_access_key_id", endpoint.access_key_env),
        ("aws_secret_access_key", endpoint.secret_key_env),
    )
    for arg, env in pairs:
        if env is None:
            continue
        if env not in os.environ:
            raise UserError(f"environment variable {env} is not set", where=flag)
        found[arg] = os.environ[env]
    return found


_SESSION: list[Any] = []
_SESSION_LOCK = threading.Lock()


def _session() -> Any:
    """One boto3 session per process: its loader caches the service models, so the
    second client costs a few ms instead of ~0.1 s of JSON parsing. Creating clients
    from one session is serialized by the lock (botocore sessions are not thread-safe)."""
    import boto3

    if not _SESSION:
        _SESSION.append(boto3.session.Session())
    return _SESSION[0]


def client(service: str, endpoint: Endpoint, *, pool: int, flag: str = "--source-endpoint") -> Any:
    region = endpoint.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if service == "s3":
        from botocore.config import Config

        config = botocore_config(pool).merge(
            Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
        )
    else:
        config = botocore_config(pool)
    with _SESSION_LOCK:
        made = _session().client(
            service,
            endpoint_url=endpoint.url,
            region_name=region or "us-east-1",
            config=config,
            **credentials(endpoint, flag),
        )
    return watch(made)  # its errors name its endpoint (migrate_data.external)
