"""aws_s3_bucket and its configuration resources → a Bucket in MinIO / SeaweedFS."""

from __future__ import annotations

import re
from dataclasses import replace

from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name
from cloudexit_ci.stack import Bucket, Cors, Coverage, DataMove
from cloudexit_ci.terraform.model import Resource, Values

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")

# inline (AWS provider v3) arguments and what is lost with them
_INLINE_LOST = {
    "acl": "canned ACLs (MinIO uses bucket policies)",
    "policy": "the bucket policy (re-create it with `mc anonymous` / IAM policies)",
    "website": "static website hosting (serve it through Traefik + nginx)",
    "logging": "server access logging",
    "replication_configuration": "cross-region replication (use `mc replicate`)",
    "object_lock_configuration": "object lock",
    "server_side_encryption_configuration": "KMS encryption (use MinIO KES or disk encryption)",
    "acceleration_status": "transfer acceleration",
    "request_payer": "requester pays",
}

# companion resources that are not carried over, and why
COMPANIONS_LOST = {
    "aws_s3_bucket_acl": "canned ACLs are not supported by MinIO; use bucket policies",
    "aws_s3_bucket_policy": "bucket policies are not converted (IAM principals do not exist)",
    "aws_s3_bucket_public_access_block": "public-access blocks do not exist; buckets are private",
    "aws_s3_bucket_ownership_controls": "object ownership controls do not exist in MinIO",
    "aws_s3_bucket_website_configuration": "website hosting: serve the files through Traefik",
    "aws_s3_bucket_logging": "server access logging is not available",
    "aws_s3_bucket_server_side_encryption_configuration": "KMS SSE: use disk encryption",
    "aws_s3_bucket_replication_configuration": "replication: configure `mc replicate`",
    "aws_s3_bucket_intelligent_tiering_configuration": "intelligent tiering",
    "aws_s3_bucket_inventory": "inventory reports",
    "aws_s3_bucket_accelerate_configuration": "transfer acceleration",
    "aws_s3_bucket_request_payment_configuration": "requester pays",
    "aws_s3_bucket_object_lock_configuration": "object lock settings are not converted",
    "aws_s3_bucket_metric": "CloudWatch request metrics",
    "aws_s3_bucket_analytics_configuration": "storage class analysis",
}


def map_bucket(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("bucket")
    if not name:
        prefix = values.string("bucket_prefix")
        name = safe_name(prefix or resource.name, "bucket")
        ctx.note(resource, f"bucket name unknown before apply; using {name!r}")
    if not _BUCKET_NAME.match(name):
        fixed = safe_name(name, "bucket")[:63]
        ctx.note(resource, f"bucket name {name!r} is not a valid S3 name; using {fixed!r}")
        name = fixed
    lost = [text for arg, text in _INLINE_LOST.items() if values.has(arg)]
    bucket = Bucket(
        name=name,
        origin=resource.origin,
        versioning=_inline_versioning(values),
        cors=_cors(values.blocks("cors_rule")),
        lifecycle_expiration_days=_expirations(values.blocks("lifecycle_rule"), lost),
    )
    ctx.stack.buckets[name] = bucket
    ctx.family("s3.by_address", dict)[resource.address] = name
    store = ctx.options.object_store
    _export(ctx, resource, name, f"http://{store}:{_port(store)}")
    ctx.stack.data_plan.append(
        DataMove(
            "s3",
            estate.data_source(ctx, resource, "bucket", (("bucket", name),)),
            (("bucket", name), ("endpoint", f"http://{store}:{_port(store)}"), ("service", store)),
            resource.origin,
        )
    )
    return mapped_or_partial(resource, f"{store} bucket `{name}`", lost, store)


def _export(ctx: MapContext, resource: Resource, name: str, endpoint: str) -> None:
    """What references to the bucket become: its name, ARN, and for the domain names the
    bucket's path-style URL in the object store."""
    for attr in ("id", "bucket"):
        estate.resolve(ctx, resource.address, attr, name)
    estate.resolve(ctx, resource.address, "arn", f"arn:aws:s3:::{name}")
    for attr in ("bucket_domain_name", "bucket_regional_domain_name"):
        estate.resolve(ctx, resource.address, attr, f"{endpoint}/{name}")
    estate.resolve(ctx, resource.address, "region", estate.region_of(ctx, resource))


def _port(store: str) -> int:
    return 9000 if store == "minio" else 8333


def _inline_versioning(values: Values) -> bool:
    block = values.block("versioning")
    return bool(block and block.boolean("enabled"))


def _cors(rules: list[Values]) -> Cors | None:
    if not rules:
        return None

    def collect(key: str) -> tuple[str, ...]:
        return tuple(sorted({str(v) for r in rules for v in (r.get(key) or [])}))

    return Cors(
        allow_origins=collect("allowed_origins"),
        allow_methods=collect("allowed_methods"),
        allow_headers=collect("allowed_headers"),
        expose_headers=collect("expose_headers"),
        max_age_s=max((r.integer("max_age_seconds", 0) for r in rules), default=0) or None,
    )


def _expirations(rules: list[Values], lost: list[str]) -> tuple[tuple[str, int], ...]:
    out = []
    for rule in rules:
        enabled = rule.get("enabled", None)
        status = rule.string("status", "Enabled")
        if enabled is False or status == "Disabled":
            continue
        expiration = rule.block("expiration")
        days = expiration.integer("days", 0) if expiration else 0
        prefix = rule.string("prefix")
        rule_filter = rule.block("filter")
        if rule_filter is not None:
            prefix = rule_filter.string("prefix", prefix)
        if days:
            out.append((prefix, days))
        if rule.blocks("transition") or rule.blocks("noncurrent_version_transition"):
            lost.append("lifecycle storage-class transitions (one storage class self-hosted)")
    return tuple(sorted(out))


def bucket_of(resource: Resource, ctx: MapContext) -> Bucket | None:
    """The bucket a configuration resource (``bucket = ...``) belongs to, if mapped here."""
    return _bucket_of(resource, ctx)


def _bucket_of(resource: Resource, ctx: MapContext) -> Bucket | None:
    ref = resource.values.raw("bucket")
    names = ctx.family("s3.by_address", dict)
    address = getattr(ref, "address", None)
    name = names.get(address) if address else ref if isinstance(ref, str) else None
    return ctx.stack.buckets.get(name) if isinstance(name, str) else None


def map_versioning(resource: Resource, ctx: MapContext) -> Coverage:
    bucket = _bucket_of(resource, ctx)
    if bucket is None:
        return cover(resource, "unmapped", "its bucket is not in this configuration")
    config = resource.values.block("versioning_configuration")
    enabled = bool(config and config.string("status") == "Enabled")
    ctx.stack.buckets[bucket.name] = replace(
        bucket, versioning=enabled, sources=(*bucket.sources, resource.origin)
    )
    return cover(resource, "mapped", f"versioning on `{bucket.name}`", service="s3-init")


def map_cors(resource: Resource, ctx: MapContext) -> Coverage:
    bucket = _bucket_of(resource, ctx)
    if bucket is None:
        return cover(resource, "unmapped", "its bucket is not in this configuration")
    ctx.stack.buckets[bucket.name] = replace(
        bucket,
        cors=_cors(resource.values.blocks("cors_rule")),
        sources=(*bucket.sources, resource.origin),
    )
    lost = []
    if ctx.options.object_store == "minio":
        lost.append("per-bucket CORS rules: MinIO applies one server-wide CORS allow-list")
    return mapped_or_partial(resource, f"CORS of `{bucket.name}`", lost, ctx.options.object_store)


def map_lifecycle(resource: Resource, ctx: MapContext) -> Coverage:
    bucket = _bucket_of(resource, ctx)
    if bucket is None:
        return cover(resource, "unmapped", "its bucket is not in this configuration")
    lost: list[str] = []
    days = _expirations(resource.values.blocks("rule"), lost)
    ctx.stack.buckets[bucket.name] = replace(
        bucket, lifecycle_expiration_days=days, sources=(*bucket.sources, resource.origin)
    )
    return mapped_or_partial(resource, f"expiration rules on `{bucket.name}`", lost, "s3-init")


def map_companion(resource: Resource, ctx: MapContext) -> Coverage:
    closed = _as_closed_as_the_store(resource)
    if closed is not None:
        return cover(resource, "not-needed", closed)
    reason = COMPANIONS_LOST.get(resource.type, "not converted")
    return cover(resource, "unmapped", reason)


_BLOCKS = ("block_public_acls", "block_public_policy", "ignore_public_acls",
           "restrict_public_buckets")  # fmt: skip


def _as_closed_as_the_store(resource: Resource) -> str | None:
    """Why a companion that only keeps the bucket private needs nothing self-hosted (the
    buckets are private and on the internal network), or None when something is lost."""
    values = resource.values
    acl = resource.type == "aws_s3_bucket_acl"
    if acl and values.string("acl") == "private" and not values.has("access_control_policy"):
        return "the private canned ACL: every bucket of the stack is private"
    if resource.type == "aws_s3_bucket_ownership_controls":
        return "object ownership: without object ACLs the bucket owner owns every object"
    if resource.type == "aws_s3_bucket_public_access_block" and all(
        values.boolean(arg) for arg in _BLOCKS
    ):
        return "public access blocked: the buckets are private, on the internal network"
    return None


def map_object(resource: Resource, ctx: MapContext) -> Coverage:
    if resource.address in ctx.family("lambda.code_uploads", set):
        why = "a function's code upload: the code is built into the function's image"
        return cover(resource, "not-needed", why)
    bucket = _bucket_of(resource, ctx)
    if bucket is None:
        return cover(resource, "unmapped", "its bucket is not in this configuration")
    moves = [
        m
        for m in ctx.stack.data_plan
        if m.kind == "s3" and dict(m.source).get("bucket") == bucket.name
    ]
    if not moves:
        return cover(resource, "unmapped", "its bucket's data is not moved")
    index = ctx.stack.data_plan.index(moves[0])
    ctx.stack.data_plan[index] = replace(moves[0], also=(*moves[0].also, resource.origin))
    return cover(
        resource,
        "partial",
        f"copied with bucket `{bucket.name}` by `cloudexit-ci migrate-data s3` "
        "(scripts/migrate-s3.sh), not created by the stack",
        lost=["object creation at deploy time"],
    )
