"""The AWS region of every resource, from provider blocks, aliases and module provider maps."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudexit_ci.terraform.expressions import Computed
from tests.terraform.trees import load, resource, write

TREE = {
    "main.tf": """
variable "region" { default = "eu-west-1" }
provider "aws" {
  region = var.region
}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
provider "aws" {
  alias  = "later"
  region = timestamp()
}
resource "aws_sqs_queue" "default" { name = "a" }
resource "aws_sqs_queue" "west" {
  provider = aws.west
  name     = "b"
}
resource "aws_sqs_queue" "later" {
  provider = aws.later
  name     = "c"
}
resource "aws_sqs_queue" "own" {
  region = "ap-south-1"
  name   = "d"
}
variable "no_region" { default = null }
resource "aws_sqs_queue" "null_region" {
  region = var.no_region
  name   = "e"
}
resource "random_id" "r" { byte_length = 4 }
module "inherits" { source = "./child" }
module "mapped" {
  source    = "./child"
  providers = { aws = aws.west }
}
module "configures" { source = "./configured" }
""",
    "child/main.tf": """
resource "aws_sqs_queue" "q" { name = "child" }
data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
resource "aws_sns_topic" "t" {
  name = join(":", [
    "arn",
    data.aws_partition.current.partition,
    "sns",
    "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}",
    "t",
  ])
  tags = { region = data.aws_region.current.id, v6 = data.aws_region.current.region }
}
module "grandchild" { source = "../grandchild" }
""",
    "grandchild/main.tf": 'resource "aws_sqs_queue" "g" { name = "g" }\n',
    "configured/main.tf": """
provider "aws" { region = "ca-central-1" }
resource "aws_sqs_queue" "q" { name = "own" }
""",
}


@pytest.mark.parametrize(
    ("address", "region"),
    [
        ("aws_sqs_queue.default", "eu-west-1"),  # the default provider, from a variable
        ("aws_sqs_queue.west", "us-west-2"),  # provider = aws.west
        ("aws_sqs_queue.later", None),  # a region not known here
        ("aws_sqs_queue.own", "ap-south-1"),  # the resource's own region argument (provider v6)
        ("aws_sqs_queue.null_region", "eu-west-1"),  # region = null: the provider's
        ("random_id.r", None),  # not an aws resource
        ("module.inherits.aws_sqs_queue.q", "eu-west-1"),  # inherits the caller's default
        ("module.inherits.module.grandchild.aws_sqs_queue.g", "eu-west-1"),
        ("module.mapped.aws_sqs_queue.q", "us-west-2"),  # providers = { aws = aws.west }
        ("module.mapped.module.grandchild.aws_sqs_queue.g", "us-west-2"),
        ("module.configures.aws_sqs_queue.q", "ca-central-1"),  # its own provider block
    ],
)
def test_resource_region(tmp_path: Path, address: str, region: str | None) -> None:
    assert resource(load(write(tmp_path, TREE)), address).region == region


def test_the_provider_meta_argument_is_not_a_value(tmp_path: Path) -> None:
    module = load(write(tmp_path, TREE))
    values = resource(module, "aws_sqs_queue.west").values
    assert values.to_dict() == {"name": "b"}
    assert module.diagnostics.unresolved == [
        u for u in module.diagnostics.unresolved if u.attribute != "provider"
    ]


def test_module_region_is_the_root_default_provider(tmp_path: Path) -> None:
    assert load(write(tmp_path, TREE)).region == "eu-west-1"
    assert load(write(tmp_path, TREE), var_args=("region=eu-central-1",)).region == "eu-central-1"
    write(tmp_path / "tfvars", {**TREE, "terraform.tfvars": 'region = "sa-east-1"\n'})
    assert load(tmp_path / "tfvars").region == "sa-east-1"


def test_no_provider_block_means_no_region(tmp_path: Path) -> None:
    module = load(write(tmp_path, {"main.tf": 'resource "aws_sqs_queue" "q" { name = "q" }\n'}))
    assert module.region is None
    assert resource(module, "aws_sqs_queue.q").region is None


def test_region_partition_and_account_data_sources(tmp_path: Path) -> None:
    module = load(write(tmp_path, TREE))
    topic = resource(module, "module.mapped.aws_sns_topic.t").values
    account = Computed("module.mapped.data.aws_caller_identity.current", "account_id")
    assert topic.raw("name").parts == ("arn:aws:sns:us-west-2:", account, ":t")
    assert topic.get("tags") == {"region": "us-west-2", "v6": "us-west-2"}


def test_partition_follows_the_region(tmp_path: Path) -> None:
    tree = {
        "main.tf": """
provider "aws" { region = "cn-north-1" }
data "aws_partition" "p" {}
data "aws_region" "r" {}
resource "aws_sqs_queue" "q" {
  name = format(
    "%s-%s-%s",
    data.aws_partition.p.partition,
    data.aws_partition.p.dns_suffix,
    data.aws_region.r.name,
  )
}
"""
    }
    queue = resource(load(write(tmp_path, tree)), "aws_sqs_queue.q").values
    assert queue.get("name") == "aws-cn-amazonaws.com.cn-cn-north-1"


def test_region_not_known_keeps_the_data_source_computed(tmp_path: Path) -> None:
    tree = {
        "main.tf": """
data "aws_region" "r" {}
data "aws_partition" "p" {}
resource "aws_sqs_queue" "q" {
  name = data.aws_region.r.name
  tags = { p = data.aws_partition.p.partition }
}
"""
    }
    queue = resource(load(write(tmp_path, tree)), "aws_sqs_queue.q").values
    assert queue.raw("name") == Computed("data.aws_region.r", "name")
    assert queue.get("tags") == {"p": "aws"}
