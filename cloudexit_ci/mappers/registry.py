"""The one explicit registry: Terraform type → mapper, target and known losses.

No if/else dispatch and no inheritance: a mapper is a function registered here
with what it becomes self-hosted and what is typically lost (docs/COVERAGE.md
is generated from this table). ``phase`` orders families so that companions
(bucket versioning, methods…) are mapped after the resource they configure.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudexit_ci.mappers import (
    apigateway,
    apigatewayv2,
    apikeys,
    authorizers,
    cloudfront,
    cognito,
    concurrency,
    data_sources,
    dynamodb,
    ecs,
    elasticache,
    eventbridge,
    function_url,
    integrations,
    invoke,
    keycloak,
    lambda_function,
    loadbalancer,
    network,
    pollers,
    rds,
    s3,
    s3events,
    schedule,
    secrets,
    sns,
    sqs,
    streams,
    websocket,
)
from cloudexit_ci.mappers.base import Finisher, Mapper
from cloudexit_ci.mappers.not_needed import REASONS, map_not_needed


@dataclass(frozen=True)
class Entry:
    mapper: Mapper
    target: str  # what the resource becomes self-hosted
    lost: tuple[str, ...] = ()  # what is typically lost (the mapper reports the actual losses)
    phase: int = 1  # lower phases map first


_LAMBDA_LOST = (
    "layers published elsewhere (ARN literals)",
    "reserved concurrency on Compose",
    "DLQ and destinations",
    "SnapStart",
    "VPC config",
)
_DB_LOST = ("Multi-AZ", "read replicas", "IAM auth", "automated backups / PITR", "RDS Proxy")
_CACHE_LOST = ("cluster-mode sharding", "Global Datastore", "RBAC", "in-transit TLS")
_REST_LOST = (
    "non-proxy AWS integrations and VTL mapping templates",
    "request validation",
    "caching",
)

MAPPERS: dict[str, Entry] = {
    "aws_lambda_function": Entry(
        lambda_function.map_function, "container running the Lambda shim", _LAMBDA_LOST, 0
    ),
    "aws_lambda_function_url": Entry(
        function_url.map_function_url,
        "Traefik router on <function>.lambda-url.<domain> (payload 2.0) + CORS middleware",
        ("AWS_IAM authorization (refused at the edge)", "response streaming"),
    ),
    "aws_lambda_provisioned_concurrency_config": Entry(
        concurrency.map_provisioned, concurrency.TARGET, concurrency.LOST
    ),
    "aws_lambda_layer_version": Entry(
        lambda_function.map_layer,
        "its contents in /opt of each function image that lists it",
        ("layers published elsewhere (another account's ARN) or kept in S3",),
    ),
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
    "aws_s3_bucket_notification": Entry(
        s3events.map_notification,
        "object events from the store's webhook to functions (async, through lambda-invoke) "
        "and, with eventbridge = true, as aws.s3 events to the `eventbridge` service",
        (
            "SQS/SNS targets",
            "events raised while lambda-invoke is down",
            "S3 events to EventBridge other than Object Created/Deleted",
        ),
    ),
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
        apigateway.map_method,
        "Traefik router per method; authorization and API keys enforced by gateway-auth "
        "(AWS_IAM and unreproducible authorizers refused at the edge)",
        ("AWS_IAM (refused)", "validators"),
    ),
    "aws_api_gateway_integration": Entry(
        apigateway.map_integration,
        "route to the function; MOCK answered at the edge; HTTP/HTTP_PROXY proxied",
        ("AWS service integrations", "VTL templates"),
    ),
    "aws_api_gateway_integration_response": Entry(
        integrations.map_response, "MOCK answer (status, static headers and body)", ("VTL",)
    ),
    "aws_api_gateway_method_response": Entry(
        integrations.map_response, "MOCK answer (declared status and headers)"
    ),
    "aws_api_gateway_authorizer": Entry(
        authorizers.map_authorizer,
        "gateway-auth: Cognito user-pool JWT check or the Lambda authorizer (TOKEN/REQUEST)",
        ("a user pool or function outside the stack (its routes are refused)",),
    ),
    "aws_apigatewayv2_authorizer": Entry(
        authorizers.map_authorizer,
        "gateway-auth: JWT check (JWKS) or the Lambda authorizer (payload 1.0/2.0)",
        ("an unknown issuer or function (its routes are refused)",),
    ),
    "aws_api_gateway_api_key": Entry(
        apikeys.map_api_key, "gateway-auth x-api-key check (value from .env)", ("the key value",)
    ),
    "aws_api_gateway_usage_plan": Entry(
        apikeys.map_usage_plan, "gateway-auth throttle and quota per key", ("quota offset",)
    ),
    "aws_api_gateway_usage_plan_key": Entry(apikeys.map_usage_plan_key, "key in its usage plan"),
    "aws_api_gateway_stage": Entry(apigateway.map_stage, "stage name", ("cache", "access logs")),
    "aws_api_gateway_method_settings": Entry(
        apigateway.map_method_settings, "Traefik rateLimit middleware", ("caching",), 3
    ),
    "aws_apigatewayv2_api": Entry(
        apigatewayv2.map_api,
        "Traefik routers (payload 2.0/1.0) + CORS middleware; WebSocket APIs: the websocket "
        "gateway ($connect/$disconnect/$default/custom routes, @connections API)",
        ("mTLS", "authorizers on WebSocket routes (refused)"),
        0,
    ),
    "aws_apigatewayv2_integration": Entry(
        apigatewayv2.map_integration,
        "route to the function; HTTP_PROXY proxied",
        ("AWS service integrations",),
    ),
    "aws_apigatewayv2_route": Entry(
        apigatewayv2.map_route,
        "Traefik router; JWT/Lambda authorizers enforced by gateway-auth",
        ("AWS_IAM (refused)",),
    ),
    "aws_apigatewayv2_route_response": Entry(
        websocket.map_route_response, "two-way WebSocket route: the answer goes to the client"
    ),
    "aws_apigatewayv2_stage": Entry(
        apigatewayv2.map_stage, "Traefik rateLimit middleware", ("per-route throttling",)
    ),
    # Issue 6: the rest of the estate. Phase -1 registers the values functions read.
    "aws_db_instance": Entry(
        rds.map_instance, "postgres / mysql / mariadb service (pinned) + dump/restore", _DB_LOST, -1
    ),
    "aws_rds_cluster": Entry(
        rds.map_cluster,
        "postgres / mysql service (pinned) + dump/restore",
        (*_DB_LOST, "Aurora Serverless", "global database", "Data API"),
        -1,
    ),
    "aws_rds_cluster_instance": Entry(
        rds.map_cluster_instance, "not needed (the cluster's service)", ("reader scaling",)
    ),
    "aws_db_parameter_group": Entry(
        rds.map_parameter_group, "server flags (-c / --name=value)", ("AWS-only rds.* parameters",)
    ),
    "aws_rds_cluster_parameter_group": Entry(
        rds.map_parameter_group, "server flags", ("AWS-only parameters",)
    ),
    "aws_db_option_group": Entry(
        rds.map_option_group, "(unmapped)", ("RDS options: plugins/extensions installed by hand",)
    ),
    "aws_elasticache_parameter_group": Entry(
        elasticache.map_parameter_group,
        "valkey-server flags (--name value)",
        ("ElastiCache-only parameters (cluster-*, reserved-memory*)", "Memcached parameters"),
    ),
    "aws_db_proxy": Entry(rds.map_proxy, "(unmapped)", ("connection pooling",)),
    "aws_elasticache_cluster": Entry(
        elasticache.map_cluster, "Valkey (pinned valkey/valkey) or Memcached", _CACHE_LOST, -1
    ),
    "aws_elasticache_replication_group": Entry(
        elasticache.map_replication_group, "Valkey (one node)", _CACHE_LOST, -1
    ),
    "aws_elasticache_serverless_cache": Entry(
        elasticache.map_serverless, "Valkey or Memcached", ("serverless scaling",), -1
    ),
    "aws_elasticache_user": Entry(elasticache.map_unmapped_rbac, "(unmapped)", ("RBAC",)),
    "aws_elasticache_user_group": Entry(elasticache.map_unmapped_rbac, "(unmapped)", ("RBAC",)),
    "aws_sqs_queue": Entry(
        sqs.map_queue,
        "ElasticMQ queue (standard, FIFO, DLQ)",
        ("KMS SSE", "queue policies", "retention period", "exact FIFO throughput"),
        -1,
    ),
    "aws_sqs_queue_redrive_policy": Entry(
        sqs.map_redrive_policy, "DLQ in the ElasticMQ queue definition"
    ),
    "aws_lambda_function_event_invoke_config": Entry(
        invoke.map_event_invoke_config,
        "retries and event age of the `lambda-invoke` service's async invocations",
        ("on-success/on-failure destinations",),
    ),
    "aws_lambda_event_source_mapping": Entry(
        pollers.map_event_source,
        "SQS or DynamoDB stream poller invoking the function shim",
        ("Kinesis / Kafka / MQ triggers", "SQS filter criteria", "max concurrency"),
    ),
    "aws_sns_topic": Entry(
        sns.map_topic,
        "`sns` fan-out service (SNS Publish Query API, pinned python image)",
        ("message signatures", "the subscription API", "KMS", "delivery policies"),
        -1,
    ),
    "aws_sns_topic_subscription": Entry(
        sns.map_subscription,
        "delivery to an ElasticMQ queue, a function (shim invoke) or an HTTP(S) endpoint",
        ("filter policies", "email/SMS/mobile push/Firehose", "subscription DLQs"),
    ),
    "aws_cloudwatch_event_bus": Entry(
        eventbridge.map_bus,
        "bus of the `eventbridge` service (PutEvents JSON API, pinned python image)",
        ("partner event sources", "bus policies", "archives and replays"),
        -1,
    ),
    "aws_cloudwatch_event_rule": Entry(
        eventbridge.map_rule,
        "event pattern → `eventbridge` rule; schedule → scheduler job (rate → interval, "
        "cron → 5-field UTC)",
        ("aws.* sources (but aws.s3 of notified buckets)", "L/W/#", "specific years"),
        2,  # after the bucket notifications (phase 1) that feed aws.s3 rules
    ),
    "aws_cloudwatch_event_target": Entry(
        eventbridge.map_target,
        "delivery to a function (lambda-invoke, async), an ElasticMQ queue, an sns topic or "
        "another bus, with input/input_path/input_transformer, retries and DLQ; schedule "
        "targets: the scheduler invokes the function shim",
        ("ECS/Step Functions/API destination targets", "deliveries pending at a stop"),
        3,  # after their rule
    ),
    "aws_scheduler_schedule": Entry(
        schedule.map_scheduler_schedule,
        "scheduler job invoking the function shim",
        ("time zones", "flexible windows", "one-time at()"),
    ),
    "aws_secretsmanager_secret": Entry(
        secrets.map_secret,
        ".env variable (no value written)",
        ("the Secrets Manager API", "rotation", "KMS"),
        -1,
    ),
    "aws_secretsmanager_secret_version": Entry(
        secrets.map_secret_version, "value set in .env (never copied)", (), -1
    ),
    "aws_secretsmanager_secret_rotation": Entry(secrets.map_rotation, "(unmapped)", ("rotation",)),
    "aws_ssm_parameter": Entry(
        secrets.map_parameter, ".env variable (no value written)", ("the SSM API",), -1
    ),
    "aws_cognito_user_pool": Entry(
        cognito.map_user_pool,
        "Keycloak realm (pinned quay.io/keycloak/keycloak, own postgres, realm import JSON)",
        (
            "password hashes and TOTP secrets (users reset and re-enrol)",
            "Lambda triggers",
            "advanced security",
            "the Cognito API (SDK calls)",
        ),
        0,
    ),
    "aws_cognito_user_pool_client": Entry(
        cognito.map_client,
        "Keycloak client (redirect URIs, OAuth flows, secret as ${VAR})",
        ("SRP / custom auth flows", "custom scopes"),
    ),
    "aws_cognito_user_pool_domain": Entry(
        cognito.map_domain, "Keycloak login pages on --domain/auth", ("hosted UI customisation",)
    ),
    "aws_cognito_user_group": Entry(
        cognito.map_group, "Keycloak realm group", ("IAM role", "memberships")
    ),
    **{
        type_: Entry(cognito.map_unmapped, "(unmapped)", (reason,))
        for type_, (reason, _) in cognito.UNMAPPED.items()
    },
    "aws_cloudfront_distribution": Entry(
        cloudfront.map_distribution,
        "nginx (pinned) serving S3 origins of the stack from the object store, behind Traefik",
        (
            "edge caching",
            "Lambda@Edge / CloudFront Functions",
            "signed URLs",
            "geo restriction",
            "non-S3 origins",
        ),
    ),
    **{
        type_: Entry(cloudfront.map_companion, "(unmapped)", (reason,))
        for type_, (reason, _) in cloudfront.COMPANIONS.items()
    },
    "aws_ecs_task_definition": Entry(
        ecs.map_task_definition,
        "container definitions (run by the service)",
        ("task roles", "task volumes"),
        0,
    ),
    "aws_ecs_service": Entry(
        ecs.map_service,
        "compose service per container (image, env, secrets, cpu/mem, health, replicas)",
        ("service discovery", "capacity providers", "placement"),
    ),
    "aws_ecs_cluster": Entry(ecs.map_cluster, "not needed (the compose project)"),
    "aws_lb": Entry(loadbalancer.map_lb, "Traefik entry points", ("NLB/GWLB", "access logs")),
    "aws_alb": Entry(loadbalancer.map_lb, "Traefik entry points", ("access logs",)),
    "aws_lb_target_group": Entry(
        loadbalancer.map_target_group,
        "Traefik service + health check",
        ("instance/IP targets", "stickiness"),
        0,
    ),
    "aws_alb_target_group": Entry(
        loadbalancer.map_target_group, "Traefik service + health check", ("instance/IP targets",), 0
    ),
    "aws_lb_listener": Entry(
        loadbalancer.map_listener,
        "Traefik router (default forward)",
        ("fixed responses", "OIDC/Cognito actions"),
    ),
    "aws_alb_listener": Entry(
        loadbalancer.map_listener, "Traefik router (default forward)", ("fixed responses",)
    ),
    "aws_lb_listener_rule": Entry(
        loadbalancer.map_listener_rule,
        "Traefik router (path/host/method)",
        ("header/query/source-ip conditions", "OIDC/Cognito actions"),
    ),
    "aws_lb_target_group_attachment": Entry(network.map_unmapped, "(unmapped)", ("EC2/IP",)),
    **{
        type_: Entry(network.map_unmapped, "(unmapped)", (reason,))
        for type_, (reason, _) in network.UNMAPPED.items()
    },
    **{
        type_: Entry(s3.map_companion, "(unmapped)", (reason,))
        for type_, reason in s3.COMPANIONS_LOST.items()
    },
    **{type_: Entry(map_not_needed, "not needed", (reason,)) for type_, reason in REASONS.items()},
}

FINISHERS: tuple[Finisher, ...] = (
    data_sources.finish,
    authorizers.finish,
    apigateway.finish,
    apigatewayv2.finish,
    websocket.finish,
    authorizers.unused,
    sqs.finish,
    pollers.finish,
    streams.finish,
    schedule.finish,
    loadbalancer.finish,
    sns.finish,
    invoke.finish,
    eventbridge.finish,
    secrets.finish,
    keycloak.finish,
)
