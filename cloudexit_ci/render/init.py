"""Init steps: DynamoDB table definitions (data) + scripts (Jinja2), bucket setup."""

from __future__ import annotations

import json
from typing import Any

from cloudexit_ci.naming import safe_name, unique_name
from cloudexit_ci.options import Options
from cloudexit_ci.render.cql import schema_cql
from cloudexit_ci.render.jinja import render
from cloudexit_ci.stack import Bucket, Index, KeySchema, Stack, Table
from cloudexit_ci.tree import Files


def create_table_input(table: Table) -> dict[str, Any]:
    """The DynamoDB CreateTable request for ``table`` (what the init step sends)."""
    request: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in table.attributes
        ],
        "KeySchema": _keys(table.keys),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.gsis:
        request["GlobalSecondaryIndexes"] = [_index(i) for i in table.gsis]
    if table.lsis:
        request["LocalSecondaryIndexes"] = [_index(i) for i in table.lsis]
    if table.stream_view_type:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream_view_type,
        }
    return request


def _keys(keys: KeySchema) -> list[dict[str, str]]:
    out = [{"AttributeName": keys.hash_key, "KeyType": "HASH"}]
    if keys.range_key:
        out.append({"AttributeName": keys.range_key, "KeyType": "RANGE"})
    return out


def _index(index: Index) -> dict[str, Any]:
    # Alternator always projects ALL; the loss is reported by the mapper.
    return {
        "IndexName": index.name,
        "KeySchema": _keys(index.keys),
        "Projection": {"ProjectionType": "ALL"},
    }


def ttl_input(table: Table) -> dict[str, Any]:
    return {
        "TableName": table.name,
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": table.ttl_attribute},
    }


def dynamodb_files(stack: Stack, options: Options, header: str) -> Files:
    if not stack.tables:
        return {}
    files: Files = {}
    taken: set[str] = set()
    entries = []
    for name, table in sorted(stack.tables.items()):
        slug = unique_name(safe_name(name, "table"), taken)
        taken.add(slug)
        src = (table.origin.address,)
        files[f"init/dynamodb/tables/{slug}.json"] = (_json(create_table_input(table)), src)
        entry = {"name": name, "file": f"tables/{slug}.json", "ttl_file": ""}
        entry["stream"] = table.stream_view_type or ""
        if table.ttl_attribute:
            files[f"init/dynamodb/ttl/{slug}.json"] = (_json(ttl_input(table)), src)
            entry["ttl_file"] = f"ttl/{slug}.json"
        entries.append(entry)
    sources = tuple(sorted(t.origin.address for t in stack.tables.values()))
    if options.dynamodb_mode == "cql":
        files["init/dynamodb/schema.cql"] = (schema_cql(stack, options, header).encode(), sources)
        script = render("init/dynamodb-cql.sh.j2", header=header)
    else:
        script = render("init/dynamodb-alternator.sh.j2", header=header, tables=entries)
    files["init/dynamodb/init.sh"] = (script.encode(), sources)
    return files


def s3_files(stack: Stack, options: Options, header: str) -> Files:
    if not stack.buckets:
        return {}
    files: Files = {}
    entries = []
    taken: set[str] = set()
    for name, bucket in sorted(stack.buckets.items()):
        slug = unique_name(safe_name(name, "bucket"), taken)
        taken.add(slug)
        entries.append(_bucket_entry(bucket, slug, files))
    template = "init/s3-minio.sh.j2" if options.object_store == "minio" else "init/s3-aws.sh.j2"
    sources = tuple(
        sorted({o.address for b in stack.buckets.values() for o in (b.origin, *b.sources)})
    )
    files["init/s3/init.sh"] = (render(template, header=header, buckets=entries).encode(), sources)
    return files


def _bucket_entry(bucket: Bucket, slug: str, files: Files) -> dict[str, Any]:
    src = tuple(sorted({o.address for o in (bucket.origin, *bucket.sources)}))
    entry: dict[str, Any] = {"name": bucket.name, "versioning": bucket.versioning}
    entry["notify"] = bool(bucket.notify_url)
    entry["lifecycle_file"] = entry["cors_file"] = ""
    if bucket.lifecycle_expiration_days:
        rules = [
            {
                "ID": f"expire-{i}",
                "Status": "Enabled",
                "Filter": {"Prefix": prefix},
                "Expiration": {"Days": days},
            }
            for i, (prefix, days) in enumerate(bucket.lifecycle_expiration_days, 1)
        ]
        files[f"init/s3/lifecycle/{slug}.json"] = (_json({"Rules": rules}), src)
        entry["lifecycle_file"] = f"lifecycle/{slug}.json"
    if bucket.cors is not None:
        cors = bucket.cors
        rule: dict[str, Any] = {
            "AllowedOrigins": list(cors.allow_origins) or ["*"],
            "AllowedMethods": list(cors.allow_methods) or ["GET"],
        }
        if cors.allow_headers:
            rule["AllowedHeaders"] = list(cors.allow_headers)
        if cors.expose_headers:
            rule["ExposeHeaders"] = list(cors.expose_headers)
        if cors.max_age_s:
            rule["MaxAgeSeconds"] = cors.max_age_s
        files[f"init/s3/cors/{slug}.json"] = (_json({"CORSRules": [rule]}), src)
        entry["cors_file"] = f"cors/{slug}.json"
    return entry


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
