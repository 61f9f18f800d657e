"""AWS resources with no self-hosted counterpart, each with its specific reason.

Not-needed ones (the compose network, Traefik and ACME replace them) are in
not_needed.REASONS; the ones here are *unmapped*: something is lost, and the
entry says whether that blocks the migration.
"""

from __future__ import annotations

from cloudexit_ci.mappers.base import MapContext, cover
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource

# type → (reason, blocking)
UNMAPPED: dict[str, tuple[str, bool]] = {
    "aws_sfn_state_machine": (
        "Step Functions workflows have no self-hosted engine here: port them to code "
        "(or Temporal) by hand",
        True,
    ),
    "aws_sfn_activity": ("Step Functions activities: see the state machine", True),
    "aws_cloudwatch_metric_alarm": (
        "CloudWatch alarms: recreate as Prometheus/Grafana alerts",
        False,
    ),
    "aws_cloudwatch_composite_alarm": ("CloudWatch alarms: recreate as Prometheus alerts", False),
    "aws_cloudwatch_dashboard": ("CloudWatch dashboards: recreate in Grafana", False),
    "aws_cloudwatch_event_archive": ("event archives: the eventbridge service keeps none", False),
    "aws_wafv2_web_acl": ("WAF rules: add Traefik middlewares or a WAF (e.g. Coraza)", False),
    "aws_wafv2_web_acl_association": ("WAF association: see the web ACL", False),
    "aws_wafv2_ip_set": ("WAF IP sets: use Traefik ipAllowList middlewares", False),
    "aws_wafv2_rule_group": ("WAF rule groups: no self-hosted WAF generated", False),
    "aws_route53_record": (
        "DNS records: point --domain at the host running the stack (DNS is outside it)",
        False,
    ),
    "aws_route53_health_check": ("Route 53 health checks: use external monitoring", False),
    "aws_kms_key": (
        "KMS keys: data is encrypted at rest only by the host's disk encryption; "
        "code calling KMS Encrypt/Decrypt is blocked",
        False,
    ),
    "aws_kinesis_stream": ("Kinesis streams have no self-hosted counterpart generated", True),
    "aws_kinesis_firehose_delivery_stream": ("Firehose has no self-hosted counterpart", True),
    "aws_appsync_graphql_api": ("AppSync GraphQL APIs are not mapped", True),
    "aws_mq_broker": ("Amazon MQ: run RabbitMQ/ActiveMQ by hand", True),
    "aws_msk_cluster": ("MSK: run Kafka by hand", True),
    "aws_efs_file_system": ("EFS: use a compose volume or NFS by hand", False),
    "aws_instance": ("EC2 instances are not containers: port them by hand", True),
    "aws_autoscaling_group": ("EC2 auto scaling groups are not containers", True),
    "aws_launch_template": ("EC2 launch templates are not containers", False),
    "aws_ecr_repository": ("ECR: push images to a self-hosted registry (e.g. Harbor)", False),
    "aws_ecr_lifecycle_policy": ("ECR lifecycle: configure the registry by hand", False),
    "aws_ses_domain_identity": ("SES: configure an SMTP relay by hand", False),
    "aws_lambda_alias": ("aliases: one version runs self-hosted", False),
}


def map_unmapped(resource: Resource, ctx: MapContext) -> Coverage:
    reason, blocking = UNMAPPED.get(resource.type, ("no self-hosted counterpart", False))
    return cover(resource, "unmapped", reason, blocking=blocking)
