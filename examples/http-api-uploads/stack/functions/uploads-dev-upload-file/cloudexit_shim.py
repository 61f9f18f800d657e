#!/usr/bin/env python3
"""cloudexit Lambda-over-HTTP shim for Python handlers.

One stdlib-only file (Python 3.9-3.13). It serves an HTTP port with asyncio
streams (chosen over ThreadingHTTPServer by measurement, see
bench/shim_bench.py), turns each request into the exact API Gateway proxy
event (payload 1.0 or 2.0, REFERENCES.md section 3), runs the Lambda handler in
a thread pool and maps the result back to HTTP. Configuration comes only from
the JSON file named by $CLOUDEXIT_CONFIG (default /opt/cloudexit/config.json).

Deliberate, documented differences from AWS Lambda:
- Requests are served concurrently (handlers run in a thread pool of
  $CLOUDEXIT_WORKERS threads, default 64); module state is shared as in a warm
  Lambda, so handlers mutating globals must be thread-safe.
- On timeout the client gets 504 at the deadline; the handler thread cannot be
  killed and finishes in the background.
- In consolidated mode (several functions in one process) the AWS_LAMBDA_*
  variables are process-wide and set just before each invocation; handler
  modules live under unique names (cloudexit_fn_<function>) and every codeDir
  is on sys.path, so sibling helper modules with equal names can collide.
"""

import asyncio
import base64
import concurrent.futures
import datetime
import decimal
import hashlib
import http
import importlib
import importlib.util
import json
import os
import re
import signal
import sys
import time
import traceback
import urllib.parse
import urllib.request
import uuid

HEALTH_PATH = "/__cloudexit/health"
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
    routes = compile_routes(cfg.get("routes") or [])
    return {"api": api, "functions": cfg.get("functions") or {}, "routes": routes}


# --------------------------------------------------------------- routing ---
# API Gateway template matching: literal segment > {name} (one segment) >
# {proxy+} (greedy, one or more segments); a method beats ANY; $default last.


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
        route.update(segs=segs, ranks=[segment_rank(s) for s in segs])
        compiled.append(route)
    # Lexicographic on ranks (a missing segment ranks below greedy), then method.
    compiled.sort(key=lambda r: (r["isDefault"], [-x for x in r["ranks"]] + [1], r["method"] == "ANY"))
    return compiled


def decode(text):
    return urllib.parse.unquote(text, errors="strict") if "%" in text else text


def safe_decode(text):
    try:
        return decode(text)
    except UnicodeDecodeError:
        return text


def match_template(route, parts):
    params = {}
    for i, seg in enumerate(route["segs"]):
        if i >= len(parts):
            return None
        rank = route["ranks"][i]
        if rank == 0:
            params[seg[1:-2]] = "/".join(safe_decode(p) for p in parts[i:])
            return params
        if rank == 1:
            params[seg[1:-1]] = safe_decode(parts[i])
        elif seg != parts[i]:
            return None
    return params if len(parts) == len(route["segs"]) else None


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


def request_time(now):
    """``dd/MMM/yyyy:HH:mm:ss +0000`` (REFERENCES.md section 3)."""
    return "%02d/%s/%04d:%02d:%02d:%02d +0000" % (
        now.day, MONTHS[now.month - 1], now.year, now.hour, now.minute, now.second
    )


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
    """v1: last value in the single map, all in the multi map; both None when empty."""
    if not pairs:
        return None, None
    single, multi = {}, {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def comma_join(pairs, lower=False):
    """v2: duplicates comma-joined (header names lower-cased)."""
    out = {}
    for key, value in pairs:
        key = key.lower() if lower else key
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
    """Last value of a header, name case-insensitive."""
    found = None
    for key, value in req["headers"]:
        if key.lower() == name:
            found = value
    return found


def source_ip(req):
    xff = header(req, "x-forwarded-for")
    if xff:
        return xff.split(",")[0].strip()
    ip = req["peer"]
    return ip[7:] if ip.startswith("::ffff:") else ip


def encode_body(body, binary):
    return base64.b64encode(body).decode("ascii") if binary else body.decode("utf-8", "replace")


def stage_path(stage, path):
    return path if stage == "$default" else "/" + stage + path  # no prefix on $default


def domain_of(api, req):
    return api.get("domainName") or header(req, "host") or "localhost"


def build_event_v1(api, req, route, params, now):
    h_single, h_multi = single_and_multi(req["headers"])
    q_single, q_multi = single_and_multi(parse_query(req["query"]))
    body = req["body"]
    binary = bool(body) and is_binary_v1(header(req, "content-type"), api["binaryMediaTypes"])
    # HTTP API $default route in payload 1.0: resource "$default", no path parameters.
    resource = "$default" if route["isDefault"] else "/" + "/".join(route["segs"])
    domain = domain_of(api, req)
    epoch_ms = int(now.timestamp() * 1000)
    identity = dict.fromkeys(
        ["cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp"]
        + ["principalOrgId", "accessKey", "cognitoAuthenticationType"]
        + ["cognitoAuthenticationProvider", "userArn", "userAgent", "user"]
    )
    identity.update(sourceIp=source_ip(req), userAgent=header(req, "user-agent"))
    return {
        "resource": resource,
        "path": req["path"],
        "httpMethod": req["method"],
        "headers": h_single,
        "multiValueHeaders": h_multi,
        "queryStringParameters": q_single,
        "multiValueQueryStringParameters": q_multi,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": hashlib.sha1(resource.encode()).hexdigest()[:6],
            "resourcePath": resource,
            "httpMethod": req["method"],
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": request_time(now),
            "path": stage_path(api["stage"], req["path"]),
            "accountId": ACCOUNT_ID,
            "protocol": req["version"],
            "stage": api["stage"],
            "domainPrefix": domain.split(".")[0],
            "requestTimeEpoch": epoch_ms,
            "requestId": str(uuid.uuid4()),
            "identity": identity,
            "domainName": domain,
            "apiId": api["id"],
        },
        "body": encode_body(body, binary) if body else None,
        "isBase64Encoded": binary,
    }


def build_event_v2(api, req, route, params, now):
    cookies = []
    for key, value in req["headers"]:
        if key.lower() == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
    headers = comma_join([kv for kv in req["headers"] if kv[0].lower() != "cookie"], lower=True)
    route_key = "$default" if route["isDefault"] else route["method"] + " " + route["path"]
    event = {"version": "2.0", "routeKey": route_key, "rawPath": req["path"]}
    event["rawQueryString"] = req["query"]
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = parse_query(req["query"])
    if query:
        event["queryStringParameters"] = comma_join(query)
    domain = domain_of(api, req)
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": api["id"],
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": req["method"],
            "path": req["path"],
            "protocol": req["version"],
            "sourceIp": source_ip(req),
            "userAgent": header(req, "user-agent") or "",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": route_key,
        "stage": api["stage"],
        "time": request_time(now),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if params:
        event["pathParameters"] = params
    body = req["body"]
    binary = bool(body) and is_binary_v2(header(req, "content-type"))
    if body:
        event["body"] = encode_body(body, binary)
    event["isBase64Encoded"] = binary
    return event


# -------------------------------------------------------------- handlers ---


class LambdaContext:
    """The Python runtime's context object; one per invocation."""

    def __init__(self, name, fn_cfg, deadline):
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:%s:%s:function:%s" % (region, ACCOUNT_ID, name)
        self.memory_limit_in_mb = str(fn_cfg.get("memory") or 128)
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = "/aws/lambda/" + name
        self.log_stream_name = "cloudexit/" + name
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def code_dir(fn_cfg):
    return os.path.abspath(os.path.join(TASK_ROOT, fn_cfg.get("codeDir") or "."))


def load_handler(name, fn_cfg, consolidated):
    """Like the Lambda Python runtime: "pkg/mod.func" -> module "pkg.mod", attribute "func"."""
    spec = fn_cfg["handler"]
    if "." not in spec:
        raise ValueError("Bad handler '%s'" % spec)
    mod_name, func = spec.rsplit(".", 1)
    mod_name = mod_name.replace("/", ".")
    directory = code_dir(fn_cfg)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    if consolidated:
        file = os.path.join(directory, *mod_name.split(".")) + ".py"
        unique = "cloudexit_fn_" + re.sub(r"\W", "_", name)
        mod_spec = importlib.util.spec_from_file_location(unique, file)
        if mod_spec is None or mod_spec.loader is None:
            raise ImportError("Cannot find module '%s' in %s" % (mod_name, directory))
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[unique] = module
        mod_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(mod_name)
    fn = getattr(module, func, None)
    if not callable(fn):
        raise AttributeError("Handler '%s' missing on module '%s'" % (func, mod_name))
    return fn


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
        "errorType": type(exc).__name__,
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


def map_response_v1(result):
    """v1: statusCode required, string body, headers merged into multiValueHeaders
    (a pair present in both appears once), body decoded when isBase64Encoded."""
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
    merged.setdefault("content-type", ("Content-Type", ["application/json"]))
    return status, list(merged.values()), decode_body(body, result.get("isBase64Encoded"))


def map_response_v2(result):
    """v2: an object without statusCode (or any non-object) is the JSON body of a 200;
    a string is the body as is; each cookies[] entry is its own Set-Cookie."""
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
        headers.append(("Content-Type", ["application/json"]))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse("cookies must be an array")
    if cookies:
        headers.append(("Set-Cookie", [header_value(c) for c in cookies]))
    return status, headers, decode_body(body, result.get("isBase64Encoded"))


def json_response(status, obj):
    return status, JSON_HEADERS, json.dumps(obj, separators=(",", ":")).encode()


# ------------------------------------------------------------------ http ---


class BadRequest(Exception):
    def __init__(self, status=400, message="Bad Request"):
        super().__init__(message)
        self.status = status
        self.message = message


async def read_chunked(reader):
    chunks, size = [], 0
    while True:
        line = await reader.readuntil(b"\r\n")
        length = int(line.split(b";")[0].strip() or b"0", 16)
        if length == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(chunks)
        size += length
        if size > MAX_BODY:
            raise BadRequest(413, "Request Entity Too Large")
        chunks.append(await reader.readexactly(length))
        await reader.readexactly(2)


async def read_request(reader, peer):
    """One HTTP/1.x request, or None at a clean end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise BadRequest()
    except asyncio.LimitOverrunError:
        raise BadRequest(431, "Request Header Fields Too Large")
    lines = head[:-4].decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
        headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
    except ValueError:
        raise BadRequest()
    if any(len(h) != 2 for h in headers):
        raise BadRequest()
    path, _, query = target.partition("?")
    req = {"method": method, "path": path, "query": query, "version": version}
    req.update(headers=headers, peer=peer)
    req["body"] = await read_body(reader, req)
    return req


async def read_body(reader, req):
    if (header(req, "transfer-encoding") or "").lower().endswith("chunked"):
        return await read_chunked(reader)
    length = header(req, "content-length")
    if not length:
        return b""
    if not length.isdigit():
        raise BadRequest()
    if int(length) > MAX_BODY:
        raise BadRequest(413, "Request Entity Too Large")
    return await reader.readexactly(int(length))


def keep_alive(req):
    conn = (header(req, "connection") or "").lower()
    if req["version"] == "HTTP/1.0":
        return conn == "keep-alive"
    return conn != "close"


def serialize(status, headers, body, close):
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = ["HTTP/1.1 %d %s" % (status, reason)]
    for name, values in headers:
        lines.extend("%s: %s" % (name, v) for v in values)
    lines.append("Content-Length: %d" % len(body))
    lines.append("Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))
    lines.append("Connection: " + ("close" if close else "keep-alive"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Shim:
    def __init__(self, config):
        self.config = config
        self.names = list(config["functions"])
        self.consolidated = len(self.names) > 1
        self.handlers = {}  # name -> callable or exception
        workers = int(os.environ.get("CLOUDEXIT_WORKERS", "64"))
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, "lambda")
        self.in_flight = 0
        self.draining = False
        self.idle = None  # asyncio.Event set when draining and nothing in flight
        self.connections = set()

    def init_handlers(self):
        for name in self.names:
            try:
                self.handlers[name] = load_handler(name, self.config["functions"][name], self.consolidated)
            except Exception as exc:  # reported per request, like Runtime.ImportModuleError
                self.handlers[name] = exc
                log_error(None, name, error_info(exc))

    async def connection(self, reader, writer):
        peer = (writer.get_extra_info("peername") or ("",))[0]
        task = asyncio.current_task()
        self.connections.add(task)
        try:
            await self.serve(reader, writer, peer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self.connections.discard(task)
            writer.close()

    async def serve(self, reader, writer, peer):
        while not self.draining:
            try:
                req = await read_request(reader, peer)
            except BadRequest as exc:
                writer.write(serialize(*json_response(exc.status, {"message": exc.message}), True))
                await writer.drain()
                return
            if req is None:
                return
            self.in_flight += 1
            try:
                status, headers, body = await self.dispatch(req)
            finally:
                self.in_flight -= 1
            close = self.draining or not keep_alive(req)
            writer.write(serialize(status, headers, body, close))
            await writer.drain()
            if self.draining and self.in_flight == 0:
                self.idle.set()
            if close:
                return

    async def dispatch(self, req):
        started = time.perf_counter()
        log = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        log.update(requestId=None, method=req["method"], path=req["path"])
        if req["path"] == HEALTH_PATH:
            out = json_response(200, {"status": "ok"})
        else:
            found = match_route(self.config["routes"], req["method"], req["path"])
            if found:
                out = await self.invoke_route(req, found[0], found[1], log)
            else:
                out = json_response(404, {"message": "Not Found"})
        log.update(status=out[0], durationMs=round((time.perf_counter() - started) * 1000, 3))
        log.setdefault("function", None)
        print(json.dumps(log), flush=True)
        return out

    async def invoke_route(self, req, route, params, log):
        name = route["function"]
        log["function"] = name
        fn_cfg = self.config["functions"].get(name)
        handler = self.handlers.get(name)
        if fn_cfg is None or handler is None:
            return json_response(502, {"message": "Internal server error"})
        api = self.config["api"]
        build = build_event_v2 if api["payloadVersion"] == "2.0" else build_event_v1
        now = datetime.datetime.now(datetime.timezone.utc)
        event = build(api, req, route, params, now)
        log["requestId"] = event["requestContext"]["requestId"]
        if isinstance(handler, Exception):
            log_error(log["requestId"], name, error_info(handler))
            return json_response(502, {"message": "Internal server error"})
        timeout = float(fn_cfg.get("timeout") or 3)
        context = LambdaContext(name, fn_cfg, time.monotonic() + timeout)
        env = lambda_env(name, fn_cfg, True) if self.consolidated else None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, run_handler, handler, event, context, env)
        try:
            result = await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            message = "Task timed out after %.2f seconds" % timeout
            log_error(log["requestId"], name, {"errorType": "TimeoutError", "errorMessage": message})
            return json_response(504, {"message": "Endpoint request timed out"})
        except Exception as exc:
            log_error(log["requestId"], name, error_info(exc))
            return json_response(502, {"message": "Internal server error"})
        return self.map_result(result, build is build_event_v2, log)

    def map_result(self, result, v2, log):
        try:
            return map_response_v2(result) if v2 else map_response_v1(result)
        except (MalformedResponse, ValueError, TypeError) as exc:
            log_error(log["requestId"], log["function"], error_info(exc))
            return json_response(502, {"message": "Internal server error"})

    async def drain(self, server):
        """SIGTERM: stop accepting, let in-flight requests finish (bounded by the
        longest function timeout), then return so the process exits 0."""
        self.draining = True
        server.close()
        longest = max([3.0] + [float(f.get("timeout") or 3) for f in self.config["functions"].values()])
        if self.in_flight:
            try:
                await asyncio.wait_for(self.idle.wait(), longest + 1)
            except asyncio.TimeoutError:
                pass
        for task in list(self.connections):
            task.cancel()  # idle keep-alive connections


def run_handler(handler, event, context, env):
    if env is not None:
        os.environ.update(env)
    return handler(event, context)


async def serve_forever(shim):
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("CLOUDEXIT_HOST", "0.0.0.0")
    shim.idle = asyncio.Event()
    server = await asyncio.start_server(shim.connection, host, port, limit=MAX_HEAD)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await shim.drain(server)


def main():
    config = load_config()
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    shim = Shim(config)
    if len(shim.names) == 1:
        name = shim.names[0]
        os.environ.update(lambda_env(name, config["functions"][name], False))
    shim.init_handlers()
    asyncio.run(serve_forever(shim))
    shim.pool.shutdown(wait=False)
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
