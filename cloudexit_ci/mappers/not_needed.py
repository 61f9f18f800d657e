"""Resources with no self-hosted counterpart that is needed, each with its reason."""

from __future__ import annotations

from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource

REASONS: dict[str, str] = {
    "aws_iam_role": "IAM roles: containers reach their data stores over the private network",
    "aws_iam_policy": "IAM policies: access is controlled by network and service credentials",
    "aws_iam_role_policy": "IAM role policies: access is controlled by network and credentials",
    "aws_iam_role_policy_attachment": "IAM attachments: no IAM self-hosted",
    "aws_iam_policy_attachment": "IAM attachments: no IAM self-hosted",
    "aws_iam_instance_profile": "instance profiles: no EC2 self-hosted",
    "aws_iam_service_linked_role": "service-linked roles: no AWS services self-hosted",
    "aws_cloudwatch_log_group": "containers log to stdout: `docker compose logs` (or a log driver)",
    "aws_cloudwatch_log_stream": "containers log to stdout",
    "aws_cloudwatch_log_subscription_filter": "ship container logs with a log driver instead",
    "aws_cloudwatch_log_resource_policy": "no CloudWatch Logs self-hosted",
    "aws_cloudwatch_log_metric_filter": "no CloudWatch metrics self-hosted (use Prometheus)",
    "aws_lambda_permission": "invoke permissions are replaced by the Traefik routes",
    "aws_api_gateway_account": "account-level CloudWatch role: not needed",
    "aws_api_gateway_deployment": "Traefik serves the current configuration; no deployments",
    "aws_apigatewayv2_deployment": "Traefik serves the current configuration; no deployments",
    "aws_api_gateway_base_path_mapping": "Traefik serves the API on --domain",
    "aws_apigatewayv2_api_mapping": "Traefik serves the API on --domain",
    "aws_api_gateway_domain_name": "Traefik serves --domain with an ACME certificate",
    "aws_apigatewayv2_domain_name": "Traefik serves --domain with an ACME certificate",
}

# IAM is the one family that can block: services that sign calls to each other.
BLOCKING_HINT = "blocking only if services sign calls to each other with IAM"


def map_not_needed(resource: Resource, ctx: MapContext) -> Coverage:
    reason = REASONS.get(resource.type, "not needed self-hosted")
    if resource.type.startswith("aws_iam_"):
        reason = f"{reason} ({BLOCKING_HINT})"
    return cover(resource, "not-needed", reason)
