"""aws_lambda_function_url → an Api of kind ``url`` on its own host, with one ``$default``
route to the function (payload 2.0, as a function URL sends it).

The URL is ``https://<url-id>.lambda-url.<domain>/``, where ``url-id`` is the function's
container-safe key (AWS's is a random id on ``lambda-url.<region>.on.aws``). ``AWS_IAM``
authorization cannot be reproduced: the route is refused at the edge (fail closed) unless
``# cloudexit:ignore public reason=...`` opens it. CORS is the HTTP API's CORS middleware.
"""

from __future__ import annotations

from dataclasses import replace

from cloudexit_ci.apiauth import RouteAuth
from cloudexit_ci.ignores import public_opening
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.apigatewayv2 import cors_of
from cloudexit_ci.mappers.authorizers import deny_reason
from cloudexit_ci.mappers.base import (
    MapContext,
    cover,
    mapped_or_partial,
    safe_name,
    unique_name,
)
from cloudexit_ci.stack import Api, Coverage, Route
from cloudexit_ci.terraform.model import Resource

HOST_LABEL = "lambda-url"  # <url-id>.lambda-url.<domain>, as <url-id>.lambda-url.<region>.on.aws
IAM_DENIED = (
    "AWS_IAM authorization of the function URL: there is no self-hosted IAM to sign against"
)
STREAMING_LOST = (
    "response streaming (invoke_mode RESPONSE_STREAM): the answer is buffered; a Node handler "
    "wrapped in awslambda.streamifyResponse does not load in the shim"
)


def url_host(url_id: str, domain: str) -> str:
    return f"{url_id}.{HOST_LABEL}.{domain}"


def map_function_url(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    function = estate.function_key(ctx, values.raw("function_name"))
    if function is None:
        why = "its function is not converted or not in this configuration: nothing serves it"
        return cover(resource, "unmapped", why, blocking=True)
    qualifier = values.string("qualifier").replace("$LATEST", "")
    url_id = _url_id(ctx, safe_name(f"{function}-{qualifier}") if qualifier else function)
    host = url_host(url_id, ctx.stack.domain)
    key = unique_name(f"{function}-url", ctx.stack.apis)
    cors = values.block("cors")
    ctx.stack.apis[key] = Api(
        key=key,
        name=ctx.stack.functions[function].function_name,
        kind="url",
        origin=resource.origin,
        payload_version="2.0",
        cors=cors_of(cors) if cors is not None else None,
        host=host,
    )
    auth, opened = _auth(ctx, resource)
    route = Route(key, "ANY", "$default", function, resource.origin, auth=auth)
    ctx.stack.routes.append(route)
    estate.resolve(ctx, resource.address, "function_url", f"https://{host}/")
    estate.resolve(ctx, resource.address, "url_id", url_id)
    name = ctx.stack.functions[function].function_name
    arn = estate.arn(ctx, resource, "lambda", f"function:{name}")
    estate.resolve(ctx, resource.address, "function_arn", arn)
    if auth is not None:
        return cover(resource, "unmapped", deny_reason(auth.denied), blocking=True)
    return _served(resource, ctx, function, host, opened)


def _url_id(ctx: MapContext, wanted: str) -> str:
    """A url-id no other function URL of the stack has (one function, two qualifiers)."""
    taken = {api.host.split(".", 1)[0] for api in ctx.stack.apis.values() if api.host}
    return unique_name(wanted, taken)


def _auth(ctx: MapContext, resource: Resource) -> tuple[RouteAuth | None, str]:
    """(the refusal, "") for AWS_IAM; (None, what is lost) when an ignore opens it."""
    kind = resource.values.string("authorization_type", "NONE").upper() or "NONE"
    if kind == "NONE":
        return None, ""
    denied = IAM_DENIED if kind == "AWS_IAM" else f"authorization type {kind}: not reproduced"
    opened = public_opening(ctx.module, resource.address)
    if opened:
        return (
            None,
            f"{denied}: NOT enforced, served publicly by cloudexit:ignore public ({opened})",
        )
    return RouteAuth(denied=denied), ""


def _served(resource: Resource, ctx: MapContext, function: str, host: str, opened: str) -> Coverage:
    values = resource.values
    lost = [opened] if opened else []
    qualifier = values.string("qualifier")
    if qualifier and qualifier != "$LATEST":  # the url-id names it: <function>-<qualifier>
        lost.append(f"qualifier `{qualifier}`: the one version that runs self-hosted answers")
    streaming = values.string("invoke_mode", "BUFFERED").upper() == "RESPONSE_STREAM"
    if streaming:
        lost.append(STREAMING_LOST)
    runtime = ctx.stack.functions[function].runtime
    reason = f"Traefik router on https://{host}/ to `{function}` (payload 2.0)"
    blocking = streaming and runtime.startswith("nodejs")
    coverage = mapped_or_partial(resource, reason, lost, function)
    return replace(coverage, blocking=blocking)
