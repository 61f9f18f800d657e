from __future__ import annotations

from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.render import compose
from cloudexit_ci.values import EnvRef
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_ssm_parameter" "key" {
  name  = "/app/api-key"
  type  = "SecureString"
  value = "ssm-do-not-leak"
}
resource "aws_secretsmanager_secret" "db" {
  name = "app/db"
}
resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = "secret-do-not-leak"
}
resource "aws_ecs_cluster" "c" {
  name = "c"
}
resource "aws_ecs_task_definition" "api" {
  family = "api"
  cpu    = 256
  memory = 512
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "ghcr.io/acme/api:2.1.0"
      command      = ["serve", "--port=8080"]
      portMappings = [{ containerPort = 8080 }]
      environment  = [{ name = "MODE", value = "prod $HOME" }, { name = "API_KEY", value = "x" }]
      secrets      = [{ name = "DB_SECRET", valueFrom = aws_secretsmanager_secret.db.arn }]
      dependsOn    = [{ containerName = "sidecar", condition = "START" }]
    },
    {
      name  = "sidecar"
      image = "busybox"
    }
  ])
}
resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = aws_ecs_cluster.c.id
  task_definition = aws_ecs_task_definition.api.arn
  desired_count   = 3
  service_registries {
    registry_arn = "arn:x"
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}
resource "aws_lb" "lb" {
  name = "lb"
}
resource "aws_lb_target_group" "api" {
  name        = "api"
  target_type = "ip"
  health_check {
    path = "/health"
  }
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.lb.arn
  port              = 80
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.lb.arn
  port              = 443
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
resource "aws_lb_listener_rule" "v1" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 5
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
  condition {
    path_pattern {
      values = ["/v1/*", "/a`b?"]
    }
  }
  condition {
    host_header {
      values = ["*.example.org"]
    }
  }
}
resource "aws_sns_topic" "t" {
  name = "t"
}
resource "aws_sns_topic_subscription" "s" {
  topic_arn = aws_sns_topic.t.arn
  protocol  = "email"
  endpoint  = "ops@example.com"
}
resource "aws_sfn_state_machine" "flow" {
  name       = "flow"
  definition = "{}"
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
"""


def test_ecs_lb_secrets_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("api-api", "api-sidecar", "traefik")) == snapshot


def test_ecs_service_details(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    api = stack.services["api-api"]
    env = dict(api.environment)
    assert api.image == "ghcr.io/acme/api:2.1.0" and api.replicas == 3
    assert env["MODE"] == "prod $HOME"  # literal in the IR…
    written = compose.compose_document(stack)["services"]
    assert written["api-api"]["environment"]["MODE"] == "prod $$HOME"  # …never interpolated
    assert isinstance(env["API_KEY"], EnvRef) and env["DB_SECRET"] == EnvRef("SECRET_APP_DB")
    assert api.cpus == 0.25 and api.memory_mb == 512 and not api.ports
    assert written["api-sidecar"]["image"].startswith("${API_SIDECAR_IMAGE:?")
    alb = view(stack)["files"]["traefik/dynamic/alb.yml"]
    assert "PathRegexp(`^/v1/.*$`)" in alb and "\\x{60}" in alb and "HostRegexp" in alb
    assert stack.services["traefik"].ports == ("80:80", "443:443")
    assert status(stack, "aws_sfn_state_machine.flow") == "unmapped"
    assert status(stack, "aws_vpc.v") == "not-needed"
    assert status(stack, "aws_sns_topic.t") == "partial"  # the fan-out serves Publish
    assert status(stack, "aws_sns_topic_subscription.s") == "unmapped"  # email is not sent
    assert "do-not-leak" not in repr(view(stack, tuple(stack.services)))


def test_compose_secrets_come_from_env_never_values(tmp_path: Path) -> None:
    from cloudexit_ci.render import compose

    stack = stack_of(tmp_path, HCL)
    doc = compose.compose_document(stack)
    assert doc["secrets"] == {"secret_app_db": {"environment": "SECRET_APP_DB"}}
    assert doc["services"]["api-api"]["secrets"] == ["secret_app_db"]
    assert "secrets" not in doc["services"]["api-sidecar"]
    assert stack.env_vars["SECRET_APP_DB"].secret
    assert "/run/secrets/secret_app_db" in stack.env_vars["SECRET_APP_DB"].description
    assert any("/run/secrets/" in note for note in stack.notes)


TASK = """
resource "aws_ecs_task_definition" "web" {
  family = "shop-web"
  container_definitions = jsonencode([{ name = "app", image = "nginx:1.27.0" }])
}
resource "aws_ecs_service" "web" {
  name            = "web"
  task_definition = %s
}
"""


@pytest.mark.parametrize(
    "reference",
    [
        "aws_ecs_task_definition.web.arn",
        "aws_ecs_task_definition.web.family",
        '"${aws_ecs_task_definition.web.family}:${aws_ecs_task_definition.web.revision}"',
        '"shop-web"',
        '"shop-web:7"',
        '"arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:7"',
    ],
)
def test_service_finds_its_task_definition_as_ecs_does(tmp_path: Path, reference: str) -> None:
    stack = stack_of(tmp_path, TASK % reference)
    assert status(stack, "aws_ecs_service.web") == "mapped"
    assert status(stack, "aws_ecs_task_definition.web") == "mapped"
    assert stack.services["web"].image == "nginx:1.27.0"


def test_an_unknown_family_is_not_guessed(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, TASK % '"other-family:1"')
    assert status(stack, "aws_ecs_service.web") == "unmapped"
    assert "web" not in stack.services
