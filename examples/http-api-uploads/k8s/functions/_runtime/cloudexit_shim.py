#!/usr/bin/env python3
"""cloudexit Lambda-over-HTTP shim for Python handlers.

One stdlib-only file (Python 3.9 to 3.14, the Lambda Python runtimes). It
serves an HTTP/1.1 port with one thread per keep-alive connection that parses
the request, turns it into the exact API Gateway Lambda proxy event, runs the
Lambda handler inline in that thread and writes the mapped response.
No thread hop per request: measured in bench/shim_bench.py, a thread pool
behind asyncio cost 80 % of the throughput. A watchdog thread answers 504 at a
function's deadline. Access-log lines (one JSON object per request on stdout)
are written in batches every 20 ms and at exit. Configuration comes only from
the JSON file named by $CLOUDEXIT_CONFIG (default /opt/cloudexit/config.json).

The contract (the Node shim, cloudexit-shim.cjs, keeps the same one):
- Payload 1.0 (REST APIs; HTTP APIs set to 1.0): resource, path, httpMethod,
  headers (last value per name, case as sent) and multiValueHeaders (all),
  queryStringParameters (last) and multiValueQueryStringParameters (all),
  pathParameters, stageVariables -- empty maps and a missing body are null --
  body, isBase64Encoded (true only for a Content-Type in binaryMediaTypes),
  requestContext (fresh requestId, requestTime "dd/MMM/yyyy:HH:mm:ss +0000",
  requestTimeEpoch in ms, stage, resourcePath, identity.sourceIp, ...).
- Payload 2.0 (HTTP APIs): version "2.0", routeKey ("GET /items/{id}" or
  $default), rawPath, rawQueryString (byte-exact), lower-case headers with
  duplicates comma-joined, cookies[] from the Cookie header,
  queryStringParameters comma-joined and absent without a query,
  requestContext.http {method, path, protocol, sourceIp, userAgent}, fresh
  requestId, time, timeEpoch, isBase64Encoded true for non-text bodies.
- Results, 1.0: statusCode (integer) and a string body (None or missing:
  empty), headers merged with multiValueHeaders, body decoded when
  isBase64Encoded. 2.0: a dict without statusCode is the JSON body of a 200, a
  string is the body as is, each cookies[] entry its own Set-Cookie. No
  Content-Type in a result with a statusCode: REST APIs answer
  application/json, HTTP APIs text/plain; charset=utf-8. Anything malformed,
  or a handler error, is a 502; a timeout a 504.
- API Gateway's own response headers, on every answer of a matched route (the
  function's result and the shim's 502/504 for it): REST APIs add
  x-amzn-RequestId (requestContext.requestId) and x-amz-apigw-id
  (extendedRequestId), and x-amzn-ErrorType: InternalServerErrorException on
  the 502/504; a header of the same name from the function is kept as
  x-amzn-Remapped-<name>, as API Gateway does. HTTP APIs add apigw-requestid
  (a reserved apigw-* name: the function's own is not passed on). No trace id
  is invented. An unmatched request (404) carries none of them: a client can
  tell that a function answered.

Deliberate, documented differences from AWS Lambda:
- Requests are served concurrently (one thread per connection, at most
  $CLOUDEXIT_MAX_CONNECTIONS, default 1024); module state is shared as in a
  warm Lambda, so handlers mutating globals must be thread-safe.
- On timeout the client gets 504 at the deadline (within 20 ms) and the
  connection is closed; the handler thread cannot be killed and finishes in
  the background, its result discarded.
- In consolidated mode (several functions in one process) the AWS_LAMBDA_*
  variables are process-wide and set just before each invocation; handler
  modules live under unique names (cloudexit_fn_<function>) and every codeDir
  is on sys.path, so sibling helper modules with equal names can collide.

Every handler is loaded at start, as Lambda's init phase does. One that cannot
be loaded is logged at once as Lambda logs it (errorType
Runtime.ImportModuleError, Runtime.HandlerNotFound, Runtime.UserCodeSyntaxError
or Runtime.MalformedHandlerName, or the exception the module raised), each of
its requests answers 502, and `GET /__cloudexit/health` answers 503 with the
errors (200 when every handler loaded): the container's healthcheck
(`--healthcheck`, exit 1) marks it unhealthy and Traefik's health check takes
it out of the routes.

Function URLs (config "urls": {host: {id, function}}): a request whose Host names
one is that function's, before any API route: the payload 2.0 event of the
$default route with requestContext.apiId the url-id and domainName the host, as a
function URL sends it; results mapped as payload 2.0; x-amzn-RequestId added.

Besides the API routes, `POST /__cloudexit/invoke/<function-name>` runs a
function with a raw event (the request body, JSON) and answers with the
handler's raw result as JSON: 200, 502 on an exception (body: errorType,
errorMessage), 504 on timeout, 404 for an unknown function. Used by the SQS
poller and the scheduler. It refuses (403) requests that came through a proxy
(an X-Forwarded-For header), so Traefik never exposes it.
"""

import base64
import decimal
import hashlib
import http
import importlib
import importlib.util
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request

HEALTH_PATH = "/__cloudexit/health"
INVOKE_PREFIX = "/__cloudexit/invoke/"
MAX_BODY = 10 * 1024 * 1024  # API Gateway payload limit
MAX_HEAD = 64 * 1024
ACCOUNT_ID = os.environ.get("CLOUDEXIT_ACCOUNT_ID", "000000000000")
# Captured before LAMBDA_TASK_ROOT is re-pointed at the single function's codeDir.
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TEXT_TYPES = re.compile(
    r"^(text/|application/(json|xml|javascript|x-www-form-urlencoded|graphql|ld\+json"
    r"|[\w.+-]*\+(json|xml)))",
    re.IGNORECASE,
)
JSON_HEADERS = [("Content-Type", ["application/json"])]
# The Content-Type of a result with a statusCode and none of its own.
DEFAULT_TYPE = {"rest": "application/json", "http": "text/plain; charset=utf-8"}
URL_OWN = "x-amzn-requestid"  # a function URL's own response header
_ID_POOL = []  # ready-made ids; list.pop() and list.extend() are atomic under the GIL
_ID_BATCH = 256
# Masks over _ID_BATCH 16-byte blocks: version nibble 4, RFC 4122 variant bits 10.
_ID_AND = int.from_bytes((b"\xff" * 6 + b"\x0f\xff\x3f" + b"\xff" * 7) * _ID_BATCH, "big")
_ID_OR = int.from_bytes((b"\x00" * 6 + b"\x40\x00\x80" + b"\x00" * 7) * _ID_BATCH, "big")


def _refill_ids():
    """_ID_BATCH random (version 4, RFC 4122 variant) UUID strings from one
    os.urandom() call: 122 random bits each, as uuid.uuid4()."""
    size = 16 * _ID_BATCH
    h = (int.from_bytes(os.urandom(size), "big") & _ID_AND | _ID_OR).to_bytes(size, "big").hex()
    _ID_POOL.extend(
        "%s-%s-%s-%s-%s" % (h[i : i + 8], h[i + 8 : i + 12], h[i + 12 : i + 16], h[i + 16 : i + 20], h[i + 20 : i + 32])
        for i in range(0, 2 * size, 32)
    )


def fresh_id():
    """A random (version 4) UUID string; one syscall per _ID_BATCH ids instead of one each."""
    while True:
        try:
            return _ID_POOL.pop()
        except IndexError:
            _refill_ids()


class SecondCache:
    """Text formatted from a whole-second UTC timestamp, recomputed once per second."""

    def __init__(self, fmt):
        self.fmt = fmt
        self.second = -1
        self.text = ""

    def get(self, second):
        if second != self.second:
            self.text, self.second = self.fmt(time.gmtime(second)), second
        return self.text


# ---------------------------------------------------------------- config ---


def load_config():
    path = os.environ.get("CLOUDEXIT_CONFIG", "/opt/cloudexit/config.json")
    with open(path, encoding="utf-8") as fh:
        cfg = json.load(fh)
    api = {"id": "local", "stage": "$default", "payloadVersion": "1.0", "binaryMediaTypes": []}
    api["kind"] = "rest"
    api.update(cfg.get("api") or {})
    if api["kind"] == "rest":
        api["payloadVersion"] = "1.0"  # REST APIs only speak 1.0
    api["defaultContentType"] = DEFAULT_TYPE["rest" if api["kind"] == "rest" else "http"]
    api["prefix"] = "/" + api["stage"] if api.get("stageInPath") else ""  # in the invoke URL
    routes = compile_routes(cfg.get("routes") or [])
    urls = {}
    for host, url in (cfg.get("urls") or {}).items():
        front = {"id": url["id"], "kind": "url", "stage": "$default", "payloadVersion": "2.0"}
        front.update(binaryMediaTypes=[], domainName=host, prefix="")
        front["defaultContentType"] = DEFAULT_TYPE["http"]
        route = compile_routes([{"method": "ANY", "path": "$default", "function": url["function"]}])
        urls[host.lower()] = (front, route[0])
    return {"api": api, "functions": cfg.get("functions") or {}, "routes": routes, "urls": urls}


def url_of(urls, req):
    """The (front, route) of the function URL the request's Host names (port aside), else None."""
    host = (req["h"].get("host") or "").lower()
    colon = host.rfind(":")
    if colon > host.rfind("]"):
        host = host[:colon]
    return urls.get(host)


# --------------------------------------------------------------- routing ---
# API Gateway template matching: literal segment > {name} (one segment) >
# {proxy+} (greedy, one or more segments) compared from the left, after every route
# without a {proxy+}; a method beats ANY; $default last (cloudexit_ci/precedence.py).


def segment_rank(seg):
    if re.fullmatch(r"\{[^}]+\+\}", seg):
        return 0
    if re.fullmatch(r"\{[^}]+\}", seg):
        return 1
    return 2


def compile_routes(routes):
    compiled = []
    for r in routes:
        is_default = r["path"] == "$default"
        segs = [] if is_default else [s for s in r["path"].split("/") if s]
        route = dict(r, method=(r.get("method") or "ANY").upper(), isDefault=is_default)
        ranks = [segment_rank(s) for s in segs]
        route.update(segs=segs, ranks=ranks, greedy=ranks.index(0) if 0 in ranks else -1)
        names = [s[1:-2] if k == 0 else s[1:-1] if k == 1 else None for s, k in zip(segs, ranks)]
        route["names"] = names
        resource = "$default" if is_default else "/" + "/".join(segs)
        route.update(resource=resource, resourceId=hashlib.sha1(resource.encode()).hexdigest()[:6])
        route["routeKey"] = "$default" if is_default else route["method"] + " " + r["path"]
        compiled.append(route)
    # Lexicographic on ranks (a missing segment ranks below greedy), then method.
    compiled.sort(
        key=lambda r: (r["isDefault"], r["greedy"] >= 0, [-x for x in r["ranks"]] + [1], r["method"] == "ANY")
    )
    return compiled


def decode(text):
    return urllib.parse.unquote(text, errors="strict") if "%" in text else text


def safe_decode(text):
    try:
        return decode(text)
    except UnicodeDecodeError:
        return text


def match_template(route, parts):
    segs = route["segs"]
    greedy = route["greedy"]  # index of the {proxy+} segment, or -1
    if greedy < 0:
        if len(parts) != len(segs):
            return None
    elif len(parts) <= greedy:
        return None
    params = {}
    names = route["names"]
    for i, rank in enumerate(route["ranks"]):
        if rank == 2:
            if segs[i] != parts[i]:
                return None
        elif rank == 1:
            part = parts[i]
            params[names[i]] = safe_decode(part) if "%" in part else part
        else:
            params[names[i]] = "/".join(safe_decode(p) for p in parts[i:])
            return params
    return params


def match_route(routes, method, raw_path):
    parts = [p for p in raw_path.split("/") if p]
    for route in routes:
        if route["method"] not in ("ANY", method):
            continue
        if route["isDefault"]:
            return route, {}
        params = match_template(route, parts)
        if params is not None:
            return route, params
    return None


# ----------------------------------------------------------------- event ---


def format_request_time(t):
    """``dd/MMM/yyyy:HH:mm:ss +0000`` (payload 1.0 requestTime) from a struct_time."""
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec
    )


REQUEST_TIME = SecondCache(format_request_time)
HTTP_DATE = SecondCache(lambda t: time.strftime("%a, %d %b %Y %H:%M:%S GMT", t))
LOG_TIME = SecondCache(lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", t))


def parse_query(raw):
    """Pairs in order; %XX decoded, '+' kept literally (as the Node shim)."""
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((safe_decode(key), safe_decode(value)))
    return pairs


def single_and_multi(pairs):
    """v1 headers and query: the last value in the single map, all in the multi map;
    both None when empty."""
    if not pairs:
        return None, None
    single, multi = {}, {}
    for key, value in pairs:
        single[key] = value
        values = multi.get(key)
        if values is None:
            multi[key] = [value]
        else:
            values.append(value)
    return single, multi


def comma_join(pairs):
    """v2 query: duplicates comma-joined."""
    out = {}
    for key, value in pairs:
        out[key] = out[key] + "," + value if key in out else value
    return out


def media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def is_binary_v1(content_type, binary_types):
    """v1: base64 only when Content-Type matches binaryMediaTypes (wildcards allowed)."""
    kind = media_type(content_type)
    if not kind:
        return "*/*" in binary_types
    for want in (t.lower() for t in binary_types):
        if want in ("*/*", kind) or (want.endswith("/*") and kind.startswith(want[:-1])):
            return True
    return False


def is_binary_v2(content_type):
    return not TEXT_TYPES.match(media_type(content_type))


def header(req, name):
    """Last value of a header; ``name`` lower-case."""
    return req["h"].get(name)


def source_ip(req):
    xff = req["h"].get("x-forwarded-for")
    if xff:
        return xff.split(",")[0].strip()
    ip = req["peer"]
    return ip[7:] if ip.startswith("::ffff:") else ip


def encode_body(body, binary):
    return base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8", "replace")


def build_event_v1(api, req, route, params, now):
    h = req["h"]
    h_single, h_multi = single_and_multi(req["headers"])
    query = req["query"]
    q_single, q_multi = single_and_multi(parse_query(query)) if query else (None, None)
    body = req["body"]
    binary = bool(body) and is_binary_v1(h.get("content-type"), api["binaryMediaTypes"])
    # HTTP API $default route in payload 1.0: resource "$default", no path parameters.
    resource = route["resource"]
    domain = api.get("domainName") or h.get("host") or "localhost"
    method = req["method"]
    path = req["path"]
    version = req["version"]
    stage = api["stage"]
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": h_single,
        "multiValueHeaders": h_multi,
        "queryStringParameters": q_single,
        "multiValueQueryStringParameters": q_multi,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": route["resourceId"],
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": fresh_id(),
            "requestTime": REQUEST_TIME.get(int(now)),
            "path": path if stage == "$default" else "/" + stage + path,  # no prefix on $default
            "accountId": ACCOUNT_ID,
            "protocol": version,
            "stage": stage,
            "domainPrefix": domain.partition(".")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": fresh_id(),
            "identity": {
                "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                "caller": None, "sourceIp": source_ip(req), "principalOrgId": None,
                "accessKey": None, "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None, "userArn": None,
                "userAgent": h.get("user-agent"), "user": None,
            },
            "domainName": domain,
            "apiId": api["id"],
        },
        "body": encode_body(body, binary) if body else None,
        "isBase64Encoded": binary,
    }


def build_event_v2(api, req, route, params, now):
    cookies = []
    headers = {}
    for key, value in req["headers"]:
        key = key.lower()
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
        elif key in headers:
            headers[key] = headers[key] + "," + value
        else:
            headers[key] = value
    route_key = route["routeKey"]
    raw_query = req["query"]
    event = {"version": "2.0", "routeKey": route_key, "rawPath": req["path"], "rawQueryString": raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if raw_query:
        query = parse_query(raw_query)
        if query:
            event["queryStringParameters"] = comma_join(query)
    h = req["h"]
    domain = api.get("domainName") or h.get("host") or "localhost"
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api["id"],
        "domainName": domain,
        "domainPrefix": domain.partition(".")[0],
        "http": {
            "method": req["method"],
            "path": req["path"],
            "protocol": req["version"],
            "sourceIp": source_ip(req),
            "userAgent": h.get("user-agent") or "",
        },
        "requestId": fresh_id(),
        "routeKey": route_key,
        "stage": api["stage"],
        "time": REQUEST_TIME.get(int(now)),
        "timeEpoch": int(now * 1000),
    }
    if params:
        event["pathParameters"] = params
    body = req["body"]
    binary = bool(body) and is_binary_v2(h.get("content-type"))
    if body:
        event["body"] = encode_body(body, binary)
    event["isBase64Encoded"] = binary
    return event


def apply_authorizer(event, value):
    """requestContext.authorizer from the edge's gateway-auth (base64url JSON); the edge
    removes any copy a client sent, and the header is not part of the event."""
    try:
        event["requestContext"]["authorizer"] = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except ValueError:
        pass  # a malformed value: no authorizer
    for headers in (event.get("headers"), event.get("multiValueHeaders")):
        for key in [k for k in headers or () if k.lower() == "x-cloudexit-authorizer"]:
            del headers[key]


# -------------------------------------------------------------- handlers ---


class LambdaContext:
    """The Python runtime's context object; one per invocation. The attributes fixed
    for a function live on a per-function subclass (context_class)."""

    def __init__(self, request_id, deadline):
        self.aws_request_id = request_id
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_class(name, fn_cfg):
    region = os.environ.get("AWS_REGION", "us-east-1")
    fixed = {
        "function_name": name,
        "function_version": "$LATEST",
        "invoked_function_arn": "arn:aws:lambda:%s:%s:function:%s" % (region, ACCOUNT_ID, name),
        "memory_limit_in_mb": str(fn_cfg.get("memory") or 128),
        "log_group_name": "/aws/lambda/" + name,
        "log_stream_name": "cloudexit/" + name,
        "identity": None,
        "client_context": None,
    }
    return type("LambdaContext", (LambdaContext,), fixed)


def code_dir(fn_cfg):
    return os.path.abspath(os.path.join(TASK_ROOT, fn_cfg.get("codeDir") or "."))


class InitError(Exception):
    """A handler that cannot be loaded, named as the Lambda Python runtime names it
    (Runtime.MalformedHandlerName, Runtime.ImportModuleError,
    Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound)."""

    def __init__(self, error_type, message):
        Exception.__init__(self, message)
        self.error_type = error_type


def load_handler(name, fn_cfg, consolidated):
    """Like the Lambda Python runtime: "pkg/mod.func" -> module "pkg.mod", attribute "func".
    A failure is an InitError with the runtime's errorType and message."""
    spec = fn_cfg["handler"]
    if "." not in spec:
        raise InitError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack" % spec)
    mod_name, func = spec.rsplit(".", 1)
    try:
        module = import_handler_module(name, mod_name.replace("/", "."), code_dir(fn_cfg), consolidated)
    except ImportError as exc:
        raise InitError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (mod_name, exc))
    except SyntaxError as exc:
        raise InitError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (mod_name, exc))
    fn = getattr(module, func, None)
    if not callable(fn):
        raise InitError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (func, mod_name))
    return fn


def import_handler_module(name, mod_name, directory, consolidated):
    if directory not in sys.path:
        sys.path.insert(0, directory)
    if not consolidated:
        return importlib.import_module(mod_name)
    file = os.path.join(directory, *mod_name.split(".")) + ".py"
    if not os.path.isfile(file):
        raise ModuleNotFoundError("No module named '%s'" % mod_name)
    unique = "cloudexit_fn_" + re.sub(r"\W", "_", name)
    module = importlib.util.module_from_spec(importlib.util.spec_from_file_location(unique, file))
    sys.modules[unique] = module
    module.__spec__.loader.exec_module(module)
    return module


def lambda_env(name, fn_cfg, consolidated):
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn_cfg.get("memory") or 128),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + name,
        "AWS_LAMBDA_LOG_STREAM_NAME": "cloudexit/" + name,
        "AWS_EXECUTION_ENV": "AWS_Lambda_" + (fn_cfg.get("runtime") or "python"),
        "_HANDLER": fn_cfg["handler"],
    }
    if not consolidated:
        env["LAMBDA_TASK_ROOT"] = code_dir(fn_cfg)
    env.update({k: str(v) for k, v in (fn_cfg.get("environment") or {}).items()})
    return env


def error_info(exc):
    return {
        "errorType": getattr(exc, "error_type", None) or type(exc).__name__,
        "errorMessage": str(exc),
        "stack": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def log_error(request_id, function, info):
    line = {"level": "ERROR", "requestId": request_id, "function": function}
    line.update(info)
    sys.stderr.write(json.dumps(line) + "\n")
    sys.stderr.flush()


# -------------------------------------------------------------- response ---


class MalformedResponse(Exception):
    pass


def to_json(value):
    """Serialise as the Lambda Python runtime does (Decimal from boto3 allowed)."""

    def default(obj):
        if isinstance(obj, decimal.Decimal):
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)

    return json.dumps(value, default=default, separators=(",", ":"))


def header_value(value):
    if type(value) is str:  # the common case, checked first
        if "\r" in value or "\n" in value:
            raise MalformedResponse("header value contains a line break")
        return value
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise MalformedResponse("header value must be a scalar")
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if "\r" in text or "\n" in text:
        raise MalformedResponse("header value contains a line break")
    return text


def check_status(code):
    if type(code) is int and 100 <= code <= 599:
        return code
    if isinstance(code, str) and re.fullmatch(r"\d{3}", code):
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        raise MalformedResponse("statusCode must be an integer")
    return code


def check_body(body):
    if body is None:
        return ""
    if not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    return body


def decode_body(body, is_base64):
    return base64.b64decode(body) if is_base64 else body.encode("utf-8")


def map_response_v1(result, default_type):
    """v1: statusCode required, string body, headers merged into multiValueHeaders
    (a pair present in both appears once), body decoded when isBase64Encoded;
    default_type (api["defaultContentType"]) when the result names no Content-Type."""
    if not isinstance(result, dict):
        raise MalformedResponse("result must be an object")
    status = check_status(result.get("statusCode"))
    body = check_body(result.get("body"))
    merged = {}  # lower name -> (name, values)
    for key, values in (result.get("multiValueHeaders") or {}).items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders values must be arrays")
        kept = [v for v in map(header_value, values) if v is not None]
        merged[key.lower()] = (key, kept)
    for key, value in (result.get("headers") or {}).items():
        text = header_value(value)
        if text is None:
            continue
        entry = merged.setdefault(key.lower(), (key, []))
        if text not in entry[1]:
            entry[1].append(text)
    merged.setdefault("content-type", ("Content-Type", [default_type]))
    return status, list(merged.values()), decode_body(body, result.get("isBase64Encoded"))


def map_response_v2(result):
    """v2: an object without statusCode (or any non-object) is the JSON body of a 200;
    a string is the body as is; each cookies[] entry is its own Set-Cookie; a result
    with a statusCode and no Content-Type is text/plain (as HTTP APIs do)."""
    if isinstance(result, str):
        return 200, JSON_HEADERS, result.encode("utf-8")
    if not isinstance(result, dict) or "statusCode" not in result:
        return 200, JSON_HEADERS, to_json(result).encode("utf-8")
    status = check_status(result["statusCode"])
    body = check_body(result.get("body"))
    headers = []
    for key, value in (result.get("headers") or {}).items():
        text = header_value(value)
        if text is not None:
            headers.append((key, [text]))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", [DEFAULT_TYPE["http"]]))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be an array")
    if cookies:
        headers.append(("Set-Cookie", [header_value(c) for c in cookies]))
    return status, headers, decode_body(body, result.get("isBase64Encoded"))


COMPACT = json.JSONEncoder(separators=(",", ":")).encode


def json_response(status, obj):
    return status, JSON_HEADERS, COMPACT(obj).encode()


GATEWAY_TIMEOUT = json_response(504, {"message": "Endpoint request timed out"})


# ------------------------------------------------------- gateway headers ---

REST_OWN = ("x-amzn-requestid", "x-amz-apigw-id")
GATEWAY_OWN = (*REST_OWN, "apigw-requestid")
CLASH_LENGTHS = (14, 15, 16)
GATEWAY_ERRORS = {
    502: COMPACT({"message": "Internal server error"}).encode(),
    504: GATEWAY_TIMEOUT[2],
}
ERROR_TYPE = ("x-amzn-ErrorType", ["InternalServerErrorException"])


def gateway_headers(kind, ctx, headers):
    """``headers`` (not changed) with API Gateway's own appended; ctx: the event's
    requestContext. A function's header of the same name: REST APIs keep it as
    x-amzn-Remapped-<name>; HTTP APIs drop it (apigw-* is reserved)."""
    for name, _ in headers:  # a handful of names; a clash is rare
        if len(name) in CLASH_LENGTHS and name.lower() in GATEWAY_OWN:
            headers = _without_clash(kind, headers)
            break
    if kind == "rest":
        return headers + [
            ("x-amzn-RequestId", [ctx["requestId"]]),
            ("x-amz-apigw-id", [ctx["extendedRequestId"]]),
        ]
    if kind == "url":
        return headers + [("x-amzn-RequestId", [ctx["requestId"]])]
    return headers + [("apigw-requestid", [ctx["requestId"]])]


def _without_clash(kind, headers):
    if kind == "rest":
        return [
            ("x-amzn-Remapped-" + name, values) if name.lower() in REST_OWN else (name, values)
            for name, values in headers
        ]
    own = URL_OWN if kind == "url" else "apigw-requestid"
    return [h for h in headers if h[0].lower() != own]


def gateway_error(kind, ctx, status):
    """The shim's own answer for a matched route's function: 502 (an error or a
    malformed result) or 504 (timeout), with API Gateway's headers."""
    headers = JSON_HEADERS + [ERROR_TYPE] if kind == "rest" else JSON_HEADERS
    return status, gateway_headers(kind, ctx, headers), GATEWAY_ERRORS[status]


# ------------------------------------------------------------------ http ---


class BadRequest(Exception):
    def __init__(self, status=400, message="Bad Request"):
        super().__init__(message)
        self.status = status
        self.message = message


class ClientGone(Exception):
    """The connection ended in the middle of a request."""


def read_line(rfile, limit):
    line = rfile.readline(limit + 1)
    if not line.endswith(b"\n"):
        if len(line) > limit:
            raise BadRequest(431, "Request Header Fields Too Large")
        raise ClientGone()
    return line


def read_head(rfile):
    """Request line and header lines, or None at a clean end of the connection."""
    first = rfile.readline(MAX_HEAD + 1)
    while first in (b"\r\n", b"\n"):  # RFC 9112: ignore a CRLF before the request line
        first = rfile.readline(MAX_HEAD + 1)
    if not first:
        return None
    if not first.endswith(b"\n"):
        if len(first) > MAX_HEAD:
            raise BadRequest(431, "Request Header Fields Too Large")
        raise BadRequest()
    lines, size = [first], len(first)
    while True:
        line = read_line(rfile, MAX_HEAD)
        size += len(line)
        if size > MAX_HEAD:
            raise BadRequest(431, "Request Header Fields Too Large")
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line)


def read_request(rfile, peer):
    """One HTTP/1.x request as a dict, or None at a clean end of the connection."""
    # Fast path: the whole head is already in the read buffer (one recv), so it
    # is taken in one slice instead of a readline() per header line.
    buffered = rfile.peek(MAX_HEAD)
    end = buffered.find(b"\r\n\r\n")
    if 0 < end < MAX_HEAD - 4 and buffered[:1] not in (b"\r", b"\n"):
        text = rfile.read(end + 4)[: end + 2].decode("latin-1").split("\n")
    else:
        lines = read_head(rfile)
        if lines is None:
            return None
        text = b"".join(lines).decode("latin-1").split("\n")
    try:
        method, target, version = text[0].rstrip("\r").split(" ")
    except ValueError:
        raise BadRequest()
    if not version.startswith("HTTP/1."):
        raise BadRequest()
    headers, lower = [], {}
    for line in text[1:-1]:
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequest()
        name, value = name.strip(), value.strip()
        headers.append((name, value))
        lower[name.lower()] = value
    path, _, query = target.partition("?")
    req = {
        "method": method, "path": path, "query": query, "version": version,
        "headers": headers, "peer": peer, "h": lower, "body": b"",
    }
    if "content-length" in lower or "transfer-encoding" in lower:
        req["body"] = read_body(rfile, req)
    return req


def read_exactly(rfile, length):
    data = rfile.read(length)
    if len(data) != length:
        raise ClientGone()
    return data


def read_chunked(rfile):
    chunks, size = [], 0
    while True:
        line = read_line(rfile, 1024)
        try:
            length = int(line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            raise BadRequest()
        if length == 0:
            while read_line(rfile, MAX_HEAD) not in (b"\r\n", b"\n"):
                pass  # trailers
            return b"".join(chunks)
        size += length
        if size > MAX_BODY:
            raise BadRequest(413, "Request Entity Too Large")
        chunks.append(read_exactly(rfile, length))
        read_line(rfile, 2)


def read_body(rfile, req):
    h = req["h"]
    if "transfer-encoding" in h and h["transfer-encoding"].lower().endswith("chunked"):
        return read_chunked(rfile)
    length = h.get("content-length")
    if not length:
        return b""
    if not length.isdigit():
        raise BadRequest()
    if int(length) > MAX_BODY:
        raise BadRequest(413, "Request Entity Too Large")
    return read_exactly(rfile, int(length))


def keep_alive(req):
    conn = (header(req, "connection") or "").lower()
    if req["version"] == "HTTP/1.0":
        return conn == "keep-alive"
    return conn != "close"


REASONS = {s.value: s.phrase for s in http.HTTPStatus}


STATUS_LINES = {code: "HTTP/1.1 %d %s" % (code, phrase) for code, phrase in REASONS.items()}


def serialize(status, headers, body, close):
    lines = [STATUS_LINES.get(status) or "HTTP/1.1 %d Unknown" % status]
    for name, values in headers:
        for value in values:
            lines.append("%s: %s" % (name, value))
    lines.append(
        "Content-Length: %d\r\nDate: %s\r\nConnection: %s\r\n\r\n"
        % (len(body), HTTP_DATE.get(int(time.time())), "close" if close else "keep-alive")
    )
    return "\r\n".join(lines).encode("latin-1") + body


def write_line(fd, text):
    data = (text + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data) :]


_LOG_PENDING = []  # access-log lines not written yet
_LOG_WRITER = threading.Lock()
_json_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for str


def access_log(line):
    """Queue a line for the next flush_log() (list.append is atomic under the GIL)."""
    _LOG_PENDING.append(line)


def flush_log():
    """Write every queued access-log line in one write(2). log_flusher calls it
    every LOG_TICK (so a line appears within ~20 ms), and it runs once more
    before the process exits: under load one syscall carries hundreds of lines
    instead of each request paying its own write and GIL hand-off."""
    with _LOG_WRITER:
        count = len(_LOG_PENDING)
        if count:
            text = "\n".join(_LOG_PENDING[:count])
            del _LOG_PENDING[:count]
            write_line(1, text)


LOG_TICK = 0.02


def log_flusher():
    """Its own thread, so a stdout that blocks never delays the timeout watchdog."""
    while True:
        time.sleep(LOG_TICK)
        try:
            flush_log()
        except OSError:  # stdout gone: drop the lines rather than grow without bound
            pass


LOG_FORMAT = (
    '{"time": "%s.%06dZ", "requestId": %s, "method": %s, "path": %s, "status": %d, '
    '"durationMs": %r, "function": %s}'
)


def log_line(now, request_id, req, status, duration_ms, function):
    """One access-log line: a JSON object, keys in this order, strings JSON-escaped."""
    return LOG_FORMAT % (
        LOG_TIME.get(int(now)),
        int(now % 1 * 1e6),
        "null" if request_id is None else _json_str(request_id),
        _json_str(req["method"]),
        _json_str(req["path"]),
        status,
        duration_ms,
        "null" if function is None else _json_str(function),
    )


class Connection:
    """One client connection; ``lock`` orders the handler's answer against the watchdog's 504."""

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        # The invocation the watchdog may time out:
        # (deadline, function, request id, timeout s, timeout response) or None.
        self.pending = None
        self.timed_out = False
        self.idle = True

    def send(self, data):
        self.sock.sendall(data)

    def shutdown(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


ROUTE_CACHE_SIZE = 4096
NO_ROUTE = (None, None)


class Shim:
    def __init__(self, config):
        self.config = config
        self.functions = config["functions"]
        self.default_type = config["api"]["defaultContentType"]  # for v1 results
        self.urls = config["urls"]  # function URLs by host
        self.names = list(self.functions)
        self.consolidated = len(self.names) > 1
        self.handlers = {}  # name -> callable or exception
        self.init_errors = []  # the handlers that failed to load: health answers 503
        self.contexts = {name: context_class(name, cfg) for name, cfg in self.functions.items()}
        self.timeouts = {name: float(cfg.get("timeout") or 3) for name, cfg in self.functions.items()}
        self.routes = {}  # "METHOD path" -> (route, params) or NO_ROUTE; bounded
        self.draining = False
        self.connections = set()
        limit = int(os.environ.get("CLOUDEXIT_MAX_CONNECTIONS", "1024"))
        self.slots = threading.BoundedSemaphore(limit)

    def init_handlers(self):
        for name in self.names:
            try:
                self.handlers[name] = load_handler(name, self.functions[name], self.consolidated)
            except Exception as exc:  # logged now, answered per request, and health says 503
                self.handlers[name] = exc
                info = error_info(exc)
                log_error(None, name, info)
                error = {"function": name, "errorType": info["errorType"], "errorMessage": info["errorMessage"]}
                self.init_errors.append(error)

    def health(self):
        """200 when every handler loaded; else 503 with the errors (the container is unhealthy)."""
        if self.init_errors:
            return json_response(503, {"status": "unhealthy", "errors": self.init_errors})
        return json_response(200, {"status": "ok"})

    # -- connections

    def connection(self, sock, peer):
        conn = Connection(sock)
        self.connections.add(conn)
        try:
            self.serve(conn, sock.makefile("rb"), peer)
        except (OSError, ClientGone):
            pass
        finally:
            self.connections.discard(conn)
            conn.shutdown()
            sock.close()
            self.slots.release()

    def serve(self, conn, rfile, peer):
        perf_counter, wall = time.perf_counter, time.time
        while not self.draining:
            conn.idle = True
            try:
                req = read_request(rfile, peer)
            except BadRequest as exc:
                conn.send(serialize(*json_response(exc.status, {"message": exc.message}), True))
                return
            if req is None:
                return
            conn.idle = False  # in flight until its answer is sent (see drain)
            started, now = perf_counter(), wall()
            out, request_id, function = self.dispatch(req, conn, now)
            duration_ms = round((perf_counter() - started) * 1000, 3)
            if out is None:  # timed out: the watchdog answered and closed the connection
                access_log(log_line(now, request_id, req, 504, duration_ms, function))
                return
            close = self.draining or not keep_alive(req)
            try:
                conn.send(serialize(out[0], out[1], out[2], close))
            finally:  # after the answer: a log write never delays it
                access_log(log_line(now, request_id, req, out[0], duration_ms, function))
            if close:
                return

    # -- requests

    def route(self, method, path):
        """(route, path parameters) for a request, or NO_ROUTE; cached per method and path."""
        key = method + " " + path
        found = self.routes.get(key)
        if found is None:
            found = match_route(self.config["routes"], method, path) or NO_ROUTE
            if len(self.routes) >= ROUTE_CACHE_SIZE:
                self.routes.clear()
            self.routes[key] = found
        return found

    def dispatch(self, req, conn, now):
        """(status, headers, body) or None after a timeout; the request id; the function."""
        path = req["path"]
        if path.startswith("/__cloudexit/"):
            if path == HEALTH_PATH:
                return self.health(), None, None
            if path.startswith(INVOKE_PREFIX):
                return self.invoke_direct(req, conn)
        url = url_of(self.urls, req) if self.urls else None
        if url is not None:  # a function URL: its $default route, whatever the path
            api, route, params = url[0], url[1], None
        else:
            api, route, params = self.api_route(req, path)
        if route is None:
            return json_response(404, {"message": "Not Found"}), None, None
        name = route["function"]
        handler = self.handlers.get(name)
        if name not in self.functions or handler is None:
            return json_response(502, {"message": "Internal server error"}), None, name
        v2 = api["payloadVersion"] == "2.0"
        params = dict(params) if params else None  # the handler may change its event
        event = (build_event_v2 if v2 else build_event_v1)(api, req, route, params, now)
        authorizer = req["h"].get("x-cloudexit-authorizer")
        if authorizer is not None:
            apply_authorizer(event, authorizer)
        ctx = event["requestContext"]
        request_id = ctx["requestId"]
        kind = api["kind"]
        try:
            result = self.run(conn, name, event, request_id, lambda: gateway_error(kind, ctx, 504))
        except TimedOut:
            return None, request_id, name
        except Exception as exc:
            log_error(request_id, name, error_info(exc))
            return gateway_error(kind, ctx, 502), request_id, name
        return self.map_result(result, v2, ctx, name, kind), request_id, name

    def api_route(self, req, path):
        """(the API, route, path parameters) of a request on the API's domain; route None
        when nothing matches."""
        api = self.config["api"]
        prefix = api["prefix"]
        if prefix:  # served under /<stage>: routes match below it; v1's path has no stage
            if not path.startswith(prefix + "/"):
                return api, None, None
            path = path[len(prefix) :]
            if api["payloadVersion"] != "2.0":
                req["path"] = path
        route, params = self.route(req["method"], path)
        return api, route, params

    def invoke_direct(self, req, conn):
        """POST /__cloudexit/invoke/<name>: raw event in, raw result out (module docstring)."""
        name = safe_decode(req["path"][len(INVOKE_PREFIX) :])
        if header(req, "x-forwarded-for") is not None:
            return json_response(403, {"message": "Forbidden"}), None, name
        if req["method"] != "POST":
            return json_response(405, {"message": "Method Not Allowed"}), None, name
        if name not in self.functions:
            return json_response(404, {"message": "Function not found"}), None, name
        try:
            event = json.loads(req["body"] or b"{}")
        except ValueError:
            return json_response(400, {"message": "The request body must be a JSON event"}), None, name
        request_id = fresh_id()
        message = "Task timed out after %.2f seconds" % self.timeouts[name]
        timeout_response = json_response(504, {"errorType": "TimeoutError", "errorMessage": message})
        try:
            result = self.run(conn, name, event, request_id, timeout_response)
            return (200, JSON_HEADERS, to_json(result).encode("utf-8")), request_id, name
        except TimedOut:
            return None, request_id, name
        except Exception as exc:
            info = error_info(exc)
            log_error(request_id, name, info)
            body = {"errorType": info["errorType"], "errorMessage": info["errorMessage"]}
            headers = JSON_HEADERS + [("X-Amz-Function-Error", ["Unhandled"])]
            return (502, headers, json.dumps(body).encode()), request_id, name

    def run(self, conn, name, event, request_id, timeout_response):
        """Run the handler inline; raise TimedOut when the watchdog already answered."""
        handler = self.handlers.get(name)
        if isinstance(handler, Exception):
            raise handler
        timeout = self.timeouts[name]
        deadline = time.monotonic() + timeout
        context = self.contexts[name](fresh_id(), deadline)
        if self.consolidated:
            os.environ.update(lambda_env(name, self.functions[name], True))
        conn.pending = (deadline, name, request_id, timeout, timeout_response)
        try:
            return handler(event, context)
        finally:
            with conn.lock:
                conn.pending = None
                if conn.timed_out:
                    raise TimedOut()

    def expire(self, conn, pending):
        """Watchdog: answer 504 for an invocation past its deadline, then close."""
        with conn.lock:
            if conn.pending is not pending:
                return  # answered meanwhile
            conn.pending = None
            conn.timed_out = True
            _, name, request_id, timeout, timeout_response = pending
            message = "Task timed out after %.2f seconds" % timeout
            log_error(request_id, name, {"errorType": "TimeoutError", "errorMessage": message})
            if callable(timeout_response):  # a route's: built only when it times out
                timeout_response = timeout_response()
            try:
                conn.send(serialize(*timeout_response, True))
            except OSError:
                pass
            conn.shutdown()

    def watchdog(self):
        while True:
            time.sleep(WATCHDOG_TICK)
            now = time.monotonic()
            for conn in list(self.connections):
                pending = conn.pending
                if pending is not None and pending[0] <= now:
                    self.expire(conn, pending)

    def map_result(self, result, v2, ctx, name, kind):
        try:
            if v2:
                status, headers, body = map_response_v2(result)
            else:
                status, headers, body = map_response_v1(result, self.default_type)
        except (MalformedResponse, ValueError, TypeError) as exc:
            log_error(ctx["requestId"], name, error_info(exc))
            return gateway_error(kind, ctx, 502)
        return status, gateway_headers(kind, ctx, headers), body

    # -- process

    def accept_loop(self, listener):
        while not self.draining:
            self.slots.acquire()
            try:
                sock, addr = listener.accept()
            except OSError:
                self.slots.release()
                if self.draining:
                    return
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            peer = addr[0] if addr else ""
            threading.Thread(target=self.connection, args=(sock, peer), daemon=True).start()

    def busy(self):
        """A request is being handled (handlers past their timeout included)."""
        return any(not conn.idle for conn in list(self.connections))

    def drain(self):
        """SIGTERM: stop accepting, let in-flight requests finish (bounded by the
        longest function timeout), close idle keep-alive connections."""
        longest = max([3.0] + [float(f.get("timeout") or 3) for f in self.config["functions"].values()])
        deadline = time.monotonic() + longest + 1
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # let the last answers leave
        for conn in list(self.connections):
            if conn.idle:
                conn.shutdown()


class TimedOut(Exception):
    pass


class Stop(BaseException):
    pass


WATCHDOG_TICK = 0.02


def listen():
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("CLOUDEXIT_HOST", "0.0.0.0")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    return listener


def main():
    config = load_config()
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    shim = Shim(config)
    if len(shim.names) == 1:
        name = shim.names[0]
        os.environ.update(lambda_env(name, config["functions"][name], False))
    shim.init_handlers()
    listener = listen()

    def stop(signum, frame):
        if not shim.draining:
            shim.draining = True
            listener.close()
            raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=shim.watchdog, daemon=True).start()
    threading.Thread(target=log_flusher, daemon=True).start()
    try:
        shim.accept_loop(listener)
    except Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    shim.drain()
    try:
        flush_log()
    except OSError:
        pass
    sys.stdout.flush()
    os._exit(0)  # do not wait for handler threads still running past their timeout


def healthcheck():
    url = "http://127.0.0.1:%s%s" % (os.environ.get("PORT", "8080"), HEALTH_PATH)
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return 0 if resp.status == 200 else 1
    except Exception:
        return 1


if __name__ == "__main__":
    if "--healthcheck" in sys.argv[1:]:
        sys.exit(healthcheck())
    main()
