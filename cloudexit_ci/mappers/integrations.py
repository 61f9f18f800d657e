"""Non-Lambda REST integrations: what a MOCK answers (its integration and method
responses) and where an HTTP/HTTP_PROXY integration sends the request."""

from __future__ import annotations

import json
import re

from cloudexit_ci.apiauth import HttpProxy, MockAnswer
from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource, Values

_STATUS = re.compile(r'"?statusCode"?\s*:\s*"?(\d{3})')
_STATIC = re.compile(r"^'(.*)'\Z", re.DOTALL)
_HEADER = "method.response.header."
_INTEGRATION_PARAM = re.compile(r"^integration\.request\.path\.(?P<name>[\w.-]+)\Z")
_METHOD_PARAM = re.compile(r"^method\.request\.path\.(?P<name>[\w.-]+)\Z")


def map_response(resource: Resource, ctx: MapContext) -> Coverage:
    """aws_api_gateway_integration_response / _method_response: read by ``mock_answer``."""
    ctx.family("apigw.responses", list).append(resource)
    return cover(resource, "mapped", "part of the MOCK answer at the edge", service="gateway-auth")


def _same_method(a: Values, b: Values) -> bool:
    return a.ref("resource_id") == b.ref("resource_id") and (
        a.string("http_method").upper() == b.string("http_method").upper()
    )


def mock_answer(ctx: MapContext, integration: Resource) -> tuple[MockAnswer, list[str]]:
    """What API Gateway answers for a MOCK integration: the integration response the
    request template's statusCode selects (else the default one), its static headers
    and body. Without an integration response AWS answers 500."""
    values = integration.values
    responses: list[Resource] = ctx.family("apigw.responses", list)
    mine = [r for r in responses if _same_method(r.values, values)]
    integration_responses = [r for r in mine if r.type == "aws_api_gateway_integration_response"]
    chosen = _select(integration_responses, _template_status(values))
    if chosen is None:
        body = json.dumps({"message": "Internal server error"})
        origins = tuple(sorted(r.origin for r in mine))
        return MockAnswer(500, (("Content-Type", "application/json"),), body, origins), []
    lost: list[str] = []
    status = chosen.values.integer("status_code", 200)
    headers = dict(_static_headers(chosen.values, lost))
    templates = chosen.values.get("response_templates") or {}
    content_type, body = next(iter(sorted(templates.items())), ("application/json", ""))
    body = str(body or "")
    if "$" in body or "#set" in body:
        lost.append("a VTL response template is served as written, not evaluated")
    headers.setdefault("Content-Type", str(content_type))
    origins = tuple(sorted(r.origin for r in mine))
    return MockAnswer(status, tuple(sorted(headers.items())), body, origins), lost


def _template_status(values: Values) -> int:
    templates = values.get("request_templates") or {}
    text = str(templates.get("application/json") or next(iter(templates.values()), ""))
    found = _STATUS.search(text)
    return int(found.group(1)) if found else 200


def _select(responses: list[Resource], status: int) -> Resource | None:
    ordered = sorted(responses, key=lambda r: r.address)
    for response in ordered:
        pattern = response.values.string("selection_pattern")
        if pattern and re.fullmatch(pattern, str(status)):
            return response
    default = [r for r in ordered if not r.values.string("selection_pattern")]
    return default[0] if default else None


def _static_headers(values: Values, lost: list[str]) -> list[tuple[str, str]]:
    found = []
    for key, value in sorted((values.get("response_parameters") or {}).items()):
        if not str(key).startswith(_HEADER):
            continue
        static = _STATIC.match(str(value))
        if static is None:
            lost.append(f"{key} = {value} (only static 'values' are answered)")
            continue
        found.append((str(key)[len(_HEADER) :], static.group(1)))
    return found


def http_proxy(values: Values) -> tuple[HttpProxy | None, list[str]]:
    """An HTTP/HTTP_PROXY integration's URL, path parameters mapped to the method's
    (``integration.request.path.x = method.request.path.y``: ``{x}`` becomes ``{y}``)."""
    uri = values.get("uri")
    if not isinstance(uri, str) or not re.match(r"^https?://[^/]+", uri):
        return None, []
    renames = {}
    for key, value in (values.get("request_parameters") or {}).items():
        target, source = _INTEGRATION_PARAM.match(str(key)), _METHOD_PARAM.match(str(value))
        if target and source:
            renames[target.group("name")] = source.group("name")
    url = re.sub(
        r"\{([\w.-]+)\+?\}", lambda m: "{" + renames.get(m.group(1), m.group(1)) + "}", uri
    )
    lost = []
    if values.string("type") == "HTTP":
        lost.append("request/response mapping templates (VTL): the request is proxied as is")
    return HttpProxy(url), lost
