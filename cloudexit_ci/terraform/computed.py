"""Attributes known only after apply, and the ones that merely alias an argument.

``aws_dynamodb_table.items.id`` is the table's name and ``aws_s3_bucket.b.id``
its bucket name: those resolve to the argument. ``data.aws_region`` and
``data.aws_partition`` resolve from the provider's region. Everything else
(``arn``, ``invoke_arn``, ``root_resource_id``, …) becomes
``Computed(address, attr)``, which mappers read as a link to the resource.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudexit_ci.terraform.providers import data_attribute
from cloudexit_ci.terraform.typed import Computed

if TYPE_CHECKING:
    from cloudexit_ci.terraform.model import Resource

# (type, computed attribute) -> argument that holds the same value
ALIASES: dict[tuple[str, str], str] = {
    ("aws_dynamodb_table", "id"): "name",
    ("aws_s3_bucket", "id"): "bucket",
    ("aws_lambda_function", "id"): "function_name",
    ("aws_iam_role", "id"): "name",
    ("aws_iam_policy", "id"): "name",
    ("aws_cloudwatch_log_group", "id"): "name",
    ("aws_sns_topic", "id"): "name",
    ("aws_secretsmanager_secret", "id"): "name",
    ("aws_ssm_parameter", "id"): "name",
    ("aws_ecs_cluster", "id"): "name",
    ("aws_db_instance", "id"): "identifier",
    ("aws_elasticache_cluster", "id"): "cluster_id",
    ("aws_apigatewayv2_stage", "id"): "name",
    ("aws_api_gateway_stage", "id"): "stage_name",
    ("data.archive_file", "id"): "output_path",
}


# Arguments that hold secrets: a reference to them from another resource never
# yields the literal (it would be copied into a generated file); it reads as Computed.
SECRET_ATTRIBUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("aws_db_instance", "password"),
        ("aws_rds_cluster", "master_password"),
        ("aws_docdb_cluster", "master_password"),
        ("aws_redshift_cluster", "master_password"),
        ("aws_secretsmanager_secret_version", "secret_string"),
        ("aws_secretsmanager_secret_version", "secret_binary"),
        ("aws_ssm_parameter", "value"),
        ("aws_ssm_parameter", "insecure_value"),
        ("aws_elasticache_replication_group", "auth_token"),
        ("aws_iam_access_key", "secret"),
        ("aws_mq_broker", "password"),
        ("random_password", "result"),
        ("tls_private_key", "private_key_pem"),
    }
)


def computed_attribute(resource: Resource, name: str) -> Any:
    kind = f"data.{resource.type}" if resource.mode == "data" else resource.type
    alias = ALIASES.get((kind, name))
    if alias and resource.values.body.attr(alias) is not None:
        return resource.values.raw(alias)
    if resource.mode == "data":
        known = data_attribute(resource.type, name, resource.region, resource.values)
        if known is not None:
            return known
    return Computed(resource.address, name)
