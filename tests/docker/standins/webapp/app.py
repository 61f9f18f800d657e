"""The user's web application behind the ALB (a fixture: the real image is the user's own)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/healthz":
        body = b"ok"
        start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [body]
    secrets = sorted(os.listdir("/run/secrets")) if os.path.isdir("/run/secrets") else []
    reply = {
        "method": environ.get("REQUEST_METHOD"),
        "path": path,
        "host": environ.get("HTTP_HOST"),
        "forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
        "secret_files": secrets,
        "env_set": sorted(k for k in ("DB_HOST", "SIGNING_KEY", "STRIPE_KEY") if os.environ.get(k)),
    }
    data = json.dumps(reply).encode()
    start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]
