"""aws_cloudfront_distribution → an nginx service serving its S3 origins from the object store.

Only the part that exists without an edge network is mapped: cache
behaviours whose origin is an S3 bucket of this stack become nginx
locations proxying GET/HEAD to the bucket in MinIO/SeaweedFS (path-style),
with the default root object, custom error pages and compression. Traefik
routes the distribution's aliases (or, without aliases, every path no other
router claims) to it. With MinIO, a one-shot job grants anonymous *download*
on those buckets: MinIO sits on the internal network, so the nginx proxy is
the only way in. Behaviours with other origins (a load balancer, an API, any
external host) are reported with what to do; a distribution without an S3
origin of the stack is unmapped.
"""

from __future__ import annotations

import re
from typing import Any

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, safe_name, unique_name
from cloudexit_ci.naming import is_host
from cloudexit_ci.stack import (
    Backend,
    Coverage,
    Dependency,
    ExtraFile,
    HealthCheck,
    HttpRoute,
    Service,
)
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import EnvRef

_PATTERN = re.compile(r"^/?[A-Za-z0-9._~/*?-]+\Z")
_ROOT = re.compile(r"^[A-Za-z0-9._~/-]+\Z")
_PORTS = {"minio": 9000, "seaweedfs": 8333}
_LOST = {
    "web_acl_id": "WAF web ACL (add Traefik middlewares or a WAF by hand)",
    "logging_config": "access logs to S3 (use `docker compose logs`)",
    "origin_group": "origin failover groups",
}
_ALWAYS = (
    "edge caching and TTLs / cache policies (nginx proxies every request; add proxy_cache by hand)",
    "origin access identity/control: the bucket is readable anonymously inside the backend "
    "network, only through this proxy",
)


def _s3_origins(resource: Resource, ctx: MapContext) -> tuple[dict[str, str], list[str]]:
    """origin_id → bucket name for origins that are buckets of this stack; the others."""
    by_address: dict[str, str] = ctx.family("s3.by_address", dict)
    buckets: dict[str, str] = {}
    others: list[str] = []
    for origin in resource.values.blocks("origin"):
        origin_id = origin.string("origin_id")
        address = estate.referenced(origin.raw("domain_name")) or ""
        if address.startswith("aws_s3_bucket_website_configuration."):
            website = next((r for r in ctx.module.resources if r.address == address), None)
            address = (estate.referenced(website.values.raw("bucket")) if website else "") or ""
        if address in by_address:
            buckets[origin_id] = by_address[address]
        else:
            domain = origin.raw("domain_name")
            where = address or (domain if isinstance(domain, str) else "an unresolved domain")
            others.append(f"{origin_id} ({where})")
    return buckets, others


def map_distribution(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    buckets, others = _s3_origins(resource, ctx)
    if not buckets:
        listed = ", ".join(others) or "none"
        return cover(
            resource,
            "unmapped",
            f"CloudFront without an S3 origin of this stack (origins: {listed}): point "
            "clients at the origin directly; edge caching, Lambda@Edge, CloudFront Functions, "
            "signed URLs and geo restriction are lost",
        )
    lost = list(_ALWAYS) + [text for arg, text in _LOST.items() if values.has(arg)]
    behaviours = _behaviours(values, buckets, lost)
    if not behaviours:
        return cover(resource, "unmapped", "no cache behaviour targets an S3 origin of this stack")
    lost += [f"origin {o}: not served by the proxy (route it by hand)" for o in others]
    lost += _behaviour_losses(values)
    name = unique_name(safe_name(f"cdn-{resource.name}", "cdn")[:40], ctx.stack.services)
    hosts = _hosts(values, lost)
    _emit(ctx, resource, name, behaviours, _errors(values, lost), hosts, values)
    estate.resolve(ctx, resource.address, "domain_name", hosts[0] if hosts else ctx.stack.domain)
    where = ", ".join(hosts) if hosts else f"{ctx.stack.domain} (paths no other router serves)"
    reason = (
        f"nginx `{name}` serves bucket(s) {', '.join(sorted(set(buckets.values())))} on {where}"
    )
    return cover(resource, "partial", reason, service=name, lost=lost)


def _behaviours(values: Values, buckets: dict[str, str], lost: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for block in values.blocks("ordered_cache_behavior"):
        pattern, target = block.string("path_pattern"), block.string("target_origin_id")
        if target not in buckets:
            lost.append(f"behaviour {pattern} → origin {target} (not an S3 origin of this stack)")
        elif not _PATTERN.match(pattern):
            lost.append(f"behaviour {pattern!r} (pattern not converted)")
        else:
            location = "~ ^" + _regex("/" + pattern.lstrip("/")) + "$"
            out.append(
                {"pattern": pattern, "location": location, "bucket": buckets[target], "root": ""}
            )
    default = values.blocks("default_cache_behavior")
    target = default[0].string("target_origin_id") if default else ""
    if target in buckets:
        root = values.string("default_root_object")
        if root and not _ROOT.match(root):
            lost.append(f"default root object {root!r} (not a plain path)")
            root = ""
        out.append(
            {"pattern": "*", "location": "/", "bucket": buckets[target], "root": root.lstrip("/")}
        )
    elif target:
        lost.append(f"default behaviour → origin {target} (not an S3 origin of this stack)")
    return out


def _regex(glob: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)


def _behaviour_losses(values: Values) -> list[str]:
    lost: set[str] = set()
    blocks = [*values.blocks("default_cache_behavior"), *values.blocks("ordered_cache_behavior")]
    for block in blocks:
        if block.has("lambda_function_association"):
            lost.add("Lambda@Edge functions")
        if block.has("function_association"):
            lost.add("CloudFront Functions")
        if block.has("trusted_signers") or block.has("trusted_key_groups"):
            lost.add("signed URLs / signed cookies (the proxy serves everyone)")
    restrictions = values.blocks("restrictions")
    for restriction in restrictions:
        for geo in restriction.blocks("geo_restriction"):
            if geo.string("restriction_type", "none") != "none":
                lost.add("geo restriction")
    return sorted(lost)


def _hosts(values: Values, lost: list[str]) -> list[str]:
    hosts = [a for a in values.get("aliases") or [] if isinstance(a, str)]
    bad = [h for h in hosts if not is_host(h)]
    if bad:
        lost.append(f"aliases not converted: {', '.join(bad)}")
    for cert in values.blocks("viewer_certificate"):
        if cert.has("acm_certificate_arn") or cert.has("iam_certificate_id"):
            lost.append("viewer certificate (Traefik obtains one via ACME for the aliases)")
    return sorted(h for h in hosts if is_host(h))


def _errors(values: Values, lost: list[str]) -> list[dict[str, Any]]:
    out = []
    for block in values.blocks("custom_error_response"):
        code = block.integer("error_code", 0)
        path = block.string("response_page_path")
        response = block.integer("response_code", code) if block.has("response_code") else code
        if 400 <= code < 600 and path and _ROOT.match(path.lstrip("/")) and 100 <= response < 600:
            out.append({"code": code, "response": response, "path": "/" + path.lstrip("/")})
        elif code:
            lost.append(f"custom error response for {code} (no page path, or not a plain path)")
    return sorted(out, key=lambda e: e["code"])


def _emit(
    ctx: MapContext,
    resource: Resource,
    name: str,
    behaviours: list[dict[str, str]],
    errors: list[dict[str, Any]],
    hosts: list[str],
    values: Values,
) -> None:
    store = ctx.options.object_store
    files = estate.extra_files(ctx.stack)
    compress = any(b.boolean("compress") for b in values.blocks("default_cache_behavior"))
    files[f"cdn/{name}/default.conf"] = ExtraFile(
        "template",
        {
            "distribution": resource.address,
            "store": f"http://{store}:{_PORTS.get(store, 9000)}",
            "behaviours": behaviours,
            "errors": errors,
            "gzip": compress,
        },
        (resource.address,),
        "extras/cdn-nginx.conf.j2",
    )
    _route(ctx, resource, name, hosts)
    buckets = sorted({b["bucket"] for b in behaviours})
    depends = [Dependency("s3-init", "service_completed_successfully")]
    if store == "minio":
        ctx.stack.services[f"{name}-init"] = _grant(resource, name, buckets)
        depends.append(Dependency(f"{name}-init", "service_completed_successfully"))
    ctx.stack.services[name] = Service(
        name=name,
        origins=(resource.origin,),
        role="worker",
        image=images.NGINX,
        volumes=((f"./cdn/{name}/default.conf", "/etc/nginx/conf.d/default.conf:ro"),),
        networks=("frontend", "backend"),
        expose=(8080,),
        healthcheck=HealthCheck(
            ("CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/__cloudexit/health")
        ),
        depends_on=tuple(depends),
        comment=f"CloudFront {resource.address}: S3 origins from the object store (no edge cache)",
    )


def _grant(resource: Resource, name: str, buckets: list[str]) -> Service:
    grants = " && ".join(f"mc anonymous set download local/{b}" for b in buckets)
    script = (
        'mc alias set local http://minio:9000 "${S3_ROOT_USER}" "${S3_ROOT_PASSWORD}" && ' + grants
    )
    return Service(
        name=f"{name}-init",
        origins=(resource.origin,),
        role="init",
        image=images.MINIO_MC,
        entrypoint=("sh", "-c", script),
        environment=(
            ("S3_ROOT_USER", EnvRef("S3_ROOT_USER")),
            ("S3_ROOT_PASSWORD", EnvRef("S3_ROOT_PASSWORD")),
        ),
        depends_on=(Dependency("s3-init", "service_completed_successfully"),),
        one_shot=True,
        comment=f"anonymous download on {', '.join(buckets)} for {name} (backend network only)",
    )


def _route(ctx: MapContext, resource: Resource, name: str, hosts: list[str]) -> None:
    """The aliases (or, without aliases, every path no other router claims) → nginx."""
    ctx.stack.backends[name] = Backend(
        name, name, name, f"http://{name}:8080", (resource.origin,), pass_host=None
    )
    ctx.stack.http_routes.append(
        HttpRoute(
            name=name,
            file=name,
            backend=name,
            origins=(resource.origin,),
            hosts=tuple(hosts),
            priority=None if hosts else 1,  # without aliases every other router wins
        )
    )


def map_companion(resource: Resource, ctx: MapContext) -> Coverage:
    reason, blocking = COMPANIONS[resource.type]
    return cover(resource, "unmapped", reason, blocking=blocking)


COMPANIONS: dict[str, tuple[str, bool]] = {
    "aws_cloudfront_origin_access_identity": (
        "origin access identity: the nginx proxy is the only way to the bucket",
        False,
    ),
    "aws_cloudfront_origin_access_control": (
        "origin access control: the nginx proxy is the only way to the bucket",
        False,
    ),
    "aws_cloudfront_function": (
        "CloudFront Functions run only at the edge: port the logic to nginx or Traefik "
        "middlewares by hand",
        False,
    ),
    "aws_cloudfront_cache_policy": ("cache policies: no edge cache (nginx proxy_cache)", False),
    "aws_cloudfront_origin_request_policy": ("origin request policies: no edge", False),
    "aws_cloudfront_response_headers_policy": (
        "response headers policies: add a Traefik headers middleware by hand",
        False,
    ),
}
