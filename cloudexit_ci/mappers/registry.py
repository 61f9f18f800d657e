"""The one explicit registry: Terraform type → mapper, target and known losses.

No if/else dispatch and no inheritance: a mapper is a function registered here
with what it becomes self-hosted and what is typically lost (docs/COVERAGE.md
is generated from this table). ``phase`` orders families so that companions
(bucket versioning, methods…) are mapped after the resource they configure.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudexit_ci.mappers import apigateway, apigatewayv2, dynamodb, lambda_function, s3
from cloudexit_ci.mappers.base import Finisher, Mapper
from cloudexit_ci.mappers.not_needed import REASONS, map_not_needed


@dataclass(frozen=True)
class Entry:
    mapper: Mapper
    target: str  # what the resource becomes self-hosted
    lost: tuple[str, ...] = ()  # what is typically lost (the mapper reports the actual losses)
    phase: int = 1  # lower phases map first


_LAMBDA_LOST = (
    "layers (not vendored)",
    "provisioned/reserved concurrency",
    "DLQ and destinations",
    "SnapStart",
    "VPC config",
)
_REST_LOST = (
    "non-proxy integrations (VTL)",
    "authorizers",
    "usage plans and API keys",
    "caching",
)

MAPPERS: dict[str, Entry] = {
    "aws_lambda_function": Entry(
        lambda_function.map_function, "container running the Lambda shim", _LAMBDA_LOST, 0
    ),
    "aws_lambda_layer_version": Entry(lambda_function.map_layer, "(unmapped)", ("layer contents",)),
    "aws_dynamodb_table": Entry(
        dynamodb.map_table,
        "ScyllaDB table (Alternator or CQL) + init step + data move",
        ("PITR", "global-table replicas", "table class", "non-ALL projections", "transactions"),
        0,
    ),
    "aws_s3_bucket": Entry(
        s3.map_bucket,
        "MinIO / SeaweedFS bucket + init step + data move",
        ("ACLs", "website", "logging", "replication", "KMS"),
        0,
    ),
    "aws_s3_bucket_versioning": Entry(s3.map_versioning, "bucket versioning (init step)"),
    "aws_s3_bucket_cors_configuration": Entry(
        s3.map_cors, "bucket CORS", ("per-bucket rules on MinIO (server-wide allow-list)",)
    ),
    "aws_s3_bucket_lifecycle_configuration": Entry(
        s3.map_lifecycle, "expiration rules (init step)", ("storage-class transitions",)
    ),
    "aws_s3_object": Entry(s3.map_object, "copied by migrate-data", ("creation at deploy time",)),
    "aws_s3_bucket_object": Entry(
        s3.map_object, "copied by migrate-data", ("creation at deploy time",)
    ),
    "aws_api_gateway_rest_api": Entry(
        apigateway.map_rest_api, "Traefik routers (payload 1.0)", _REST_LOST, 0
    ),
    "aws_api_gateway_resource": Entry(apigateway.map_resource, "route path"),
    "aws_api_gateway_method": Entry(
        apigateway.map_method, "Traefik router per method", ("authorization", "validators")
    ),
    "aws_api_gateway_integration": Entry(
        apigateway.map_integration, "route to the function", ("non-AWS_PROXY types",)
    ),
    "aws_api_gateway_stage": Entry(apigateway.map_stage, "stage name", ("cache", "access logs")),
    "aws_api_gateway_method_settings": Entry(
        apigateway.map_method_settings, "Traefik rateLimit middleware", ("caching",), 3
    ),
    "aws_apigatewayv2_api": Entry(
        apigatewayv2.map_api,
        "Traefik routers (payload 2.0/1.0) + CORS middleware",
        ("WebSocket APIs", "JWT/Lambda authorizers", "mTLS"),
        0,
    ),
    "aws_apigatewayv2_integration": Entry(
        apigatewayv2.map_integration, "route to the function", ("non-AWS_PROXY types",)
    ),
    "aws_apigatewayv2_route": Entry(apigatewayv2.map_route, "Traefik router", ("authorizers",)),
    "aws_apigatewayv2_stage": Entry(
        apigatewayv2.map_stage, "Traefik rateLimit middleware", ("per-route throttling",)
    ),
    **{
        type_: Entry(s3.map_companion, "(unmapped)", (reason,))
        for type_, reason in s3.COMPANIONS_LOST.items()
    },
    **{type_: Entry(map_not_needed, "not needed", (reason,)) for type_, reason in REASONS.items()},
}

FINISHERS: tuple[Finisher, ...] = (apigateway.finish, apigatewayv2.finish)
