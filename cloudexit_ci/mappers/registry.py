"""The one explicit registry: Terraform type → mapper, plus the finishers.

No if/else dispatch and no inheritance: a mapper is a function registered here.
``PHASES`` orders families so that companions (bucket versioning, methods…)
are mapped after the resource they configure.
"""

from __future__ import annotations

from cloudexit_ci.mappers import apigateway, apigatewayv2, dynamodb, lambda_function, s3
from cloudexit_ci.mappers.base import Finisher, Mapper
from cloudexit_ci.mappers.not_needed import REASONS, map_not_needed

MAPPERS: dict[str, Mapper] = {
    "aws_lambda_function": lambda_function.map_function,
    "aws_lambda_layer_version": lambda_function.map_layer,
    "aws_dynamodb_table": dynamodb.map_table,
    "aws_s3_bucket": s3.map_bucket,
    "aws_s3_bucket_versioning": s3.map_versioning,
    "aws_s3_bucket_cors_configuration": s3.map_cors,
    "aws_s3_bucket_lifecycle_configuration": s3.map_lifecycle,
    "aws_s3_object": s3.map_object,
    "aws_s3_bucket_object": s3.map_object,
    "aws_api_gateway_rest_api": apigateway.map_rest_api,
    "aws_api_gateway_resource": apigateway.map_resource,
    "aws_api_gateway_method": apigateway.map_method,
    "aws_api_gateway_integration": apigateway.map_integration,
    "aws_api_gateway_stage": apigateway.map_stage,
    "aws_api_gateway_method_settings": apigateway.map_method_settings,
    "aws_apigatewayv2_api": apigatewayv2.map_api,
    "aws_apigatewayv2_integration": apigatewayv2.map_integration,
    "aws_apigatewayv2_route": apigatewayv2.map_route,
    "aws_apigatewayv2_stage": apigatewayv2.map_stage,
    **{type_: s3.map_companion for type_ in s3.COMPANIONS_LOST},
    **{type_: map_not_needed for type_ in REASONS},
}

# Lower phases map first; anything not listed is phase 1.
PHASES: dict[str, int] = {
    "aws_lambda_function": 0,
    "aws_dynamodb_table": 0,
    "aws_s3_bucket": 0,
    "aws_api_gateway_rest_api": 0,
    "aws_apigatewayv2_api": 0,
    "aws_api_gateway_resource": 1,
    "aws_apigatewayv2_integration": 1,
    "aws_api_gateway_method_settings": 3,
}

FINISHERS: tuple[Finisher, ...] = (apigateway.finish, apigatewayv2.finish)
