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
    # Network: the compose networks (frontend, internal backend) replace the VPC.
    "aws_vpc": "the compose networks replace the VPC (backend is internal-only)",
    "aws_subnet": "the compose networks replace subnets",
    "aws_security_group": "only Traefik publishes ports; data services sit on the internal network",
    "aws_security_group_rule": "only Traefik publishes ports; the internal network isolates data",
    "aws_vpc_security_group_ingress_rule": "only Traefik publishes ports",
    "aws_vpc_security_group_egress_rule": "compose services reach the internet via frontend",
    "aws_route_table": "compose networks route between containers",
    "aws_route_table_association": "compose networks route between containers",
    "aws_route": "compose networks route between containers",
    "aws_internet_gateway": "the host's network is the internet gateway",
    "aws_egress_only_internet_gateway": "the host's network is the internet gateway",
    "aws_nat_gateway": "containers on the frontend network reach the internet through the host",
    "aws_eip": "the host's public address replaces Elastic IPs",
    "aws_vpc_endpoint": "services are reached directly on the compose network",
    "aws_network_acl": "the compose networks replace network ACLs",
    "aws_network_acl_rule": "the compose networks replace network ACLs",
    "aws_network_acl_association": "the compose networks replace network ACLs",
    "aws_default_security_group": "no VPC self-hosted",
    "aws_default_route_table": "no VPC self-hosted",
    "aws_default_network_acl": "no VPC self-hosted",
    "aws_flow_log": "no VPC flow logs self-hosted",
    "aws_db_subnet_group": "the database service sits on the internal backend network",
    "aws_elasticache_subnet_group": "the cache service sits on the internal backend network",
    "aws_kms_alias": "no KMS self-hosted (see the key's entry)",
    "aws_kms_grant": "no KMS self-hosted (see the key's entry)",
    "aws_acm_certificate": "Traefik obtains certificates for --domain via ACME (Let's Encrypt)",
    "aws_acm_certificate_validation": "ACME validates the domain (TLS challenge)",
    "aws_lb_listener_certificate": "Traefik obtains certificates via ACME",
    "aws_route53_zone": "DNS is outside the stack: point --domain at the host",
    "aws_ecs_cluster_capacity_providers": "compose runs on one host: no capacity providers",
    "aws_appautoscaling_target": "no autoscaling: set deploy.replicas (ECS desired_count is kept)",
    "aws_appautoscaling_policy": "no autoscaling self-hosted: scale replicas by hand",
    "aws_sqs_queue_policy": "queue policies: no IAM; ElasticMQ is only on the internal network",
    "aws_sns_topic_policy": "topic policies: no IAM; the sns fan-out is on the backend network",
    "aws_secretsmanager_secret_policy": "secret policies: .env is readable only by its owner",
    "aws_cloudwatch_query_definition": "no CloudWatch Logs Insights self-hosted",
}

# IAM is the one family that can block: services that sign calls to each other.
BLOCKING_HINT = "blocking only if services sign calls to each other with IAM"


def map_not_needed(resource: Resource, ctx: MapContext) -> Coverage:
    _export_iam_arn(resource, ctx)
    reason = REASONS.get(resource.type, "not needed self-hosted")
    if resource.type.startswith("aws_iam_"):
        reason = f"{reason} ({BLOCKING_HINT})"
    return cover(resource, "not-needed", reason)


_IAM_KINDS = {"aws_iam_role": "role", "aws_iam_policy": "policy", "aws_iam_user": "user"}


def _export_iam_arn(resource: Resource, ctx: MapContext) -> None:
    """A role's or policy's ARN, synthesized with the stack's account (code that reads it,
    e.g. to pass it on, keeps working; nothing checks it self-hosted)."""
    kind = _IAM_KINDS.get(resource.type)
    name = resource.values.string("name") if kind else ""
    if kind and name:
        path = resource.values.string("path", "/")
        arn = f"arn:aws:iam::{ctx.stack.account}:{kind}{path}{name}"
        ctx.stack.exports[(resource.address, "arn")] = arn
