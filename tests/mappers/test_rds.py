from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.values import EnvRef
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_db_parameter_group" "pg" {
  name   = "pg15"
  family = "postgres15"
  parameter {
    name  = "work_mem"
    value = "8192"
  }
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
}
resource "aws_db_instance" "pg" {
  identifier           = "main-db"
  engine               = "postgres"
  engine_version       = "15.5"
  username             = "admin"
  password             = "hunter2-do-not-leak"
  db_name              = "shop"
  parameter_group_name = aws_db_parameter_group.pg.name
  multi_az             = true
}
resource "aws_rds_cluster" "aurora" {
  cluster_identifier = "legacy"
  engine             = "aurora-mysql"
  engine_version     = "8.0.mysql_aurora.3.05.2"
  master_username    = "root_user"
  master_password    = "aurora-do-not-leak"
  serverlessv2_scaling_configuration {
    min_capacity = 0.5
    max_capacity = 2
  }
}
resource "aws_rds_cluster_instance" "one" {
  cluster_identifier = aws_rds_cluster.aurora.id
  engine             = "aurora-mysql"
}
resource "aws_db_instance" "ora" {
  identifier = "erp"
  engine     = "oracle-se2"
}
resource "aws_db_instance" "maria" {
  identifier     = "m"
  engine         = "mariadb"
  engine_version = "10.11.6"
}
"""


def test_rds_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("main-db", "legacy", "m")) == snapshot


def test_rds_engines_credentials_and_plan(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    assert stack.services["main-db"].image == "postgres:15.14-bookworm"
    assert stack.services["legacy"].image == "mysql:8.0.43"
    assert stack.services["m"].image == "mariadb:10.11.14"
    assert stack.services["main-db"].command[:2] == ("-c", "work_mem=8192")
    assert not any(s.ports for s in stack.services.values())
    env = dict(stack.services["main-db"].environment)
    assert env["POSTGRES_PASSWORD"] == EnvRef("MAIN_DB_PASSWORD")
    assert stack.env_vars["MAIN_DB_PASSWORD"].secret
    healthcheck = stack.services["main-db"].healthcheck
    assert healthcheck is not None and "pg_isready" in " ".join(healthcheck.test)
    assert {m.kind for m in stack.data_plan} == {"postgres", "mysql"}
    assert status(stack, "aws_db_instance.ora") == "unmapped"
    assert status(stack, "aws_db_instance.pg") == "partial"
    assert status(stack, "aws_rds_cluster_instance.one") == "not-needed"
    assert "do-not-leak" not in repr(view(stack, tuple(stack.services)))


def test_a_root_master_user_is_the_images_root(tmp_path: Path) -> None:
    """The mysql/mariadb images refuse MYSQL_USER=root: the master password becomes root's."""
    stack = stack_of(
        tmp_path,
        """
resource "aws_db_instance" "m" {
  identifier = "legacy"
  engine     = "mysql"
  username   = "root"
  password   = "do-not-leak"
}
""",
    )
    env = dict(stack.services["legacy"].environment)
    assert env == {"MYSQL_ROOT_PASSWORD": EnvRef("LEGACY_PASSWORD")}
    assert "LEGACY_ROOT_PASSWORD" not in stack.env_vars
