from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from cloudexit_ci.values import EnvRef
from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_elasticache_cluster" "sessions" {
  cluster_id      = "sessions"
  engine          = "redis"
  engine_version  = "7.0"
  node_type       = "cache.t4g.micro"
  num_cache_nodes = 1
}
resource "aws_elasticache_cluster" "mc" {
  cluster_id      = "mc"
  engine          = "memcached"
  num_cache_nodes = 3
}
resource "aws_elasticache_replication_group" "rg" {
  replication_group_id = "rg"
  description          = "x"
  auth_token           = "token-do-not-leak-123456"
  num_node_groups      = 3
}
resource "aws_elasticache_serverless_cache" "sv" {
  name   = "sv"
  engine = "valkey"
}
"""


def test_elasticache_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    assert view(stack, ("sessions", "mc", "rg", "sv")) == snapshot


def test_engines_and_losses(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    assert str(stack.services["sessions"].image).startswith("valkey/valkey:")
    assert str(stack.services["mc"].image).startswith("memcached:")
    rg = next(c for c in stack.coverage if c.origin.address.endswith(".rg"))
    assert any("sharding" in x for x in rg.lost)
    assert dict(stack.services["rg"].environment)["VALKEY_PASSWORD"] == EnvRef("RG_AUTH_TOKEN")
    assert status(stack, "aws_elasticache_serverless_cache.sv") == "mapped"
    assert "do-not-leak" not in repr(view(stack, tuple(stack.services)))


PARAMS_HCL = """
resource "aws_elasticache_parameter_group" "p" {
  name   = "cache-params"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
  parameter {
    name  = "cluster-enabled"
    value = "yes"
  }
}
resource "aws_elasticache_parameter_group" "m" {
  name   = "mc-params"
  family = "memcached1.6"
}
resource "aws_elasticache_replication_group" "rg" {
  replication_group_id = "sessions"
  description          = "s"
  engine               = "redis"
  parameter_group_name = aws_elasticache_parameter_group.p.name
  auth_token           = "param-token-do-not-leak-0123456789"
}
resource "aws_elasticache_cluster" "plain" {
  cluster_id           = "plain"
  engine               = "redis"
  parameter_group_name = "cache-params"
}
resource "aws_db_option_group" "o" {
  name                 = "audit"
  engine_name          = "mariadb"
  major_engine_version = "10.11"
  option {
    option_name = "MARIADB_AUDIT_PLUGIN"
  }
}
"""


def test_parameter_and_option_groups(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, PARAMS_HCL)
    data = view(stack, ("sessions", "plain"))
    assert data == snapshot
    assert stack.services["plain"].command == (
        "valkey-server", "--appendonly", "yes", "--maxmemory-policy", "allkeys-lru",
    )  # fmt: skip
    script = stack.services["sessions"].command[-1]
    assert "--maxmemory-policy allkeys-lru" in script and "cluster-enabled" not in script
    assert status(stack, "aws_elasticache_parameter_group.p") == "partial"
    assert status(stack, "aws_elasticache_parameter_group.m") == "unmapped"
    assert status(stack, "aws_db_option_group.o") == "unmapped"
    option = next(c for c in stack.coverage if c.origin.address == "aws_db_option_group.o")
    assert "MARIADB_AUDIT_PLUGIN" in option.reason
    assert "do-not-leak" not in repr(data)
