"""Failures outside the program at the migration's boundaries, as one line each.

An endpoint that cannot be reached, a server's error answer (after the retries), a
CQL cluster with no host up: :func:`boundary` turns each into an
:class:`ExternalError` (exit 4) naming the endpoint (URL, or ``cql://host:port``)
and what was asked, never "a bug in cloudexit-ci". Missing AWS credentials are a
UserError (the fix is the user's).

Which endpoint failed is recorded where the failure happens: the raw HTTP clients
:func:`mark` their errors with their URL; botocore clients are :func:`watch` ed
(botocore's documented ``after-call`` and ``after-call-error`` events put the URL
on the error answer or the transport exception). Marked errors stay what they were
(``ClientError``, ``OSError``), so ``retry.is_retryable`` still sees them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, TypeVar

from cloudexit_ci.errors import CloudExitError, ExternalError, UserError

E = TypeVar("E", bound=BaseException)
_ATTR = "cloudexit_endpoint"
_KEY = "CloudExitEndpoint"  # in an error answer's ResponseMetadata
_CQL_ERRORS = ("NoHostAvailable", "OperationTimedOut", "Unavailable", "ReadTimeout",
               "WriteTimeout", "ConnectionException", "UnresolvableContactPoints")  # fmt: skip
_HINT = "check that the endpoint is up and reachable from here (URL, port, network)"


def mark(exc: E, endpoint: str) -> E:
    """Record on ``exc`` the endpoint it came from (the first mark wins)."""
    if getattr(exc, _ATTR, None) is None:
        setattr(exc, _ATTR, endpoint)
    return exc


def watch(client: Any) -> Any:
    """Have a botocore client mark its errors with its endpoint URL."""
    url = str(client.meta.endpoint_url)

    def on_answer(http_response: Any, parsed: Any, **_: Any) -> None:
        if getattr(http_response, "status_code", 200) >= 300 and isinstance(parsed, dict):
            parsed.setdefault("ResponseMetadata", {})[_KEY] = url

    def on_failure(exception: BaseException | None = None, **_: Any) -> None:
        if exception is not None:
            mark(exception, url)

    client.meta.events.register("after-call", on_answer)
    client.meta.events.register("after-call-error", on_failure)
    return client


def endpoint_of(exc: BaseException) -> str | None:
    marked = getattr(exc, _ATTR, None)
    if marked:
        return str(marked)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        found = response.get("ResponseMetadata", {}).get(_KEY)
        if found:
            return str(found)
    kwargs = getattr(exc, "kwargs", None)  # botocore transport errors carry endpoint_url
    if isinstance(kwargs, dict) and kwargs.get("endpoint_url"):
        return str(kwargs["endpoint_url"])
    return None


def _answer(exc: BaseException) -> str | None:
    """'Scan answered HTTP 400 AccessDenied: …' for a botocore-style error answer."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict) or "Error" not in response:
        return None
    error = response.get("Error") or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode", "?")
    operation = getattr(exc, "operation_name", "the request")
    text = str(error.get("Message") or "").strip()
    return f"{operation} answered HTTP {status} {error.get('Code', '')}".rstrip() + (
        f": {text}" if text else ""
    )


def to_external(exc: BaseException, fallback: str) -> CloudExitError | None:
    """The one-line error for a failure outside the program, None for anything else."""
    kind = type(exc)
    where = endpoint_of(exc) or fallback
    if kind.__name__ in ("NoCredentialsError", "PartialCredentialsError"):
        return UserError(f"no AWS credentials ({exc})", where=where,
                         hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                         "--source-access-key-env / --source-secret-key-env")  # fmt: skip
    answer = _answer(exc)
    if answer is not None:
        return ExternalError(answer, where=where, hint="see the server's message")
    if kind.__module__.startswith("cassandra") and kind.__name__ in _CQL_ERRORS:
        return ExternalError(f"CQL: {exc}", where=where, hint=_HINT)
    transport = any(
        c.__module__.startswith("botocore") and c.__name__ in ("HTTPClientError", "ConnectionError")
        for c in kind.__mro__
    )
    if transport or isinstance(exc, ConnectionError | TimeoutError) or endpoint_of(exc):
        return ExternalError(f"cannot reach the endpoint: {exc}", where=where, hint=_HINT)
    return None


@contextlib.contextmanager
def boundary(fallback: str) -> Iterator[None]:
    """Failures outside the program become ExternalError; ``fallback`` names the
    endpoints when the failure does not say which one."""
    try:
        yield
    except CloudExitError:
        raise
    except Exception as exc:
        error = to_external(exc, fallback)
        if error is None:
            raise
        raise error from exc
