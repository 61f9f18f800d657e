"""``--terraform-json``: the loader merges ``terraform show -json`` (plan or state) with the
HCL. The fixtures in tests/fixtures/tfjson are written by hand from Terraform's documented
JSON output format ("JSON Output Format": plan and values representations)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform.expressions import Computed, Interpolation, Sensitive
from cloudexit_ci.terraform.load import load_module
from cloudexit_ci.terraform.model import TerraformModule
from cloudexit_ci.terraform.tfjson import load_json
from tests.terraform.trees import addresses, resource, write

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tfjson"
PLAN_SECRET = "pl4n-Secret-DoNotLeak-7731"
STATE_SECRET = "st4te-Secret-DoNotLeak-4417"
BUCKET = "uploads-20250115093012345600000001"
DB = "app-20250115093012345600000002"
HOST = f"{DB}.c9akciq32xyz.eu-west-1.rds.amazonaws.com"


def _copy(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    (root / ".git").mkdir()
    return root


def _load(root: Path, json_name: str | None) -> TerraformModule:
    path = root / json_name if json_name else None
    return load_module(root, terraform_json=path, repo_root=root)


def _env(module: TerraformModule, address: str) -> dict[str, Any]:
    block = resource(module, address).values.block("environment")
    assert block is not None
    variables = block.raw("variables")
    assert isinstance(variables, dict)
    return variables


# --- the plan ------------------------------------------------------------------------


def test_plan_expands_the_module_count_the_hcl_cannot_know(tmp_path: Path) -> None:
    root = _copy(tmp_path, "plan")
    without = _load(root, None)
    assert "module.worker.aws_lambda_function.worker" in addresses(without)  # one, unknown
    module = _load(root, "plan.json")
    workers = [a for a in addresses(module) if "worker" in a]
    assert workers == [
        "module.worker[0].aws_lambda_function.worker",
        "module.worker[1].aws_lambda_function.worker",
    ]
    names = [resource(module, a).values.string("function_name") for a in workers]
    assert names == ["worker-0", "worker-1"]  # count.index known: the module's own HCL
    assert module.terraform_json == "plan.json"


def test_plan_keeps_the_hcl_expression_of_what_is_unknown_until_apply(tmp_path: Path) -> None:
    module = _load(_copy(tmp_path, "plan"), "plan.json")
    env = _env(module, "aws_lambda_function.api")
    assert env["QUEUE_URL"] == Computed("aws_sqs_queue.jobs", "url")  # after_unknown
    assert env["TABLE"] == "items-prod"
    assert env["STAGE"] == "prod"
    worker = _env(module, "module.worker[1].aws_lambda_function.worker")
    assert worker["QUEUE_URL"] == Computed("aws_sqs_queue.jobs", "url")  # through the module
    queue = resource(module, "aws_sqs_queue.jobs").values
    assert queue.string("name") == ""  # unknown until apply: the mapper uses name_prefix
    assert queue.origin("name") == "hcl" and queue.origin("name_prefix") == "terraform-json"


def test_plan_variables_and_region_come_from_the_json(tmp_path: Path) -> None:
    root = _copy(tmp_path, "plan")
    assert _load(root, None).region is None  # var.region has no value in the HCL alone
    module = _load(root, "plan.json")
    assert module.region == "eu-west-1"
    assert {r.region for r in module.resources} == {"eu-west-1"}


def test_plan_sensitive_variable_is_a_marker_never_its_clear_text(tmp_path: Path) -> None:
    module = _load(_copy(tmp_path, "plan"), "plan.json")
    assert _env(module, "aws_lambda_function.api")["DB_PASSWORD"] == Sensitive("db_password")
    assert _env(module, "module.worker[0].aws_lambda_function.worker")["SECRET"] == Sensitive(
        "db_password"
    )
    everything = repr([r.values.to_dict() for r in module.resources])
    assert PLAN_SECRET not in everything
    assert PLAN_SECRET not in repr(module.diagnostics)


def test_plan_declaring_a_block_without_instances_means_none(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": 'variable "on" {}\n'
                   'resource "aws_sqs_queue" "q" {\n  count = var.on ? 1 : 0\n  name = "q"\n}\n',
        "plan.json": json.dumps({
            "format_version": "1.2", "variables": {"on": {"value": False}},
            "resource_changes": [],
            "configuration": {"root_module": {"resources": [
                {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue",
                 "name": "q", "count_expression": {"references": ["var.on"]}}]}},
        }),
    })  # fmt: skip
    (root / ".git").mkdir()
    assert addresses(load_module(root, var_args=("on=true",))) == ["aws_sqs_queue.q[0]"]
    assert addresses(_load(root, "plan.json")) == []


# --- the state -----------------------------------------------------------------------


def test_state_gives_the_names_apply_chose(tmp_path: Path) -> None:
    module = _load(_copy(tmp_path, "state"), "state.json")
    bucket = resource(module, "aws_s3_bucket.uploads").values
    assert bucket.string("bucket") == BUCKET  # bucket_prefix: the real name
    assert bucket.origin("bucket") == "terraform-json"
    database = resource(module, "aws_db_instance.main").values
    assert database.string("identifier") == DB
    assert resource(module, "aws_sqs_queue.events").values.string("name") == "events"
    assert module.region == "eu-west-1"  # no region in the HCL: the state's resources agree
    assert resource(module, "aws_db_instance.main").region == "eu-west-1"  # from its ARN


def test_state_values_found_by_value_become_references(tmp_path: Path) -> None:
    env = _env(_load(_copy(tmp_path, "state"), "state.json"), "aws_lambda_function.api")
    queue_url = Computed("aws_sqs_queue.events", "url")
    assert env["QUEUE_URL"] == queue_url  # a literal URL written in the HCL
    assert env["EVENTS_URL"] == queue_url  # another stack's remote-state output
    endpoint = Computed("aws_db_instance.main", "endpoint")  # longest match: not `address`
    assert env["REPORTS_DSN"] == Interpolation(
        ("postgres://reports@", endpoint, "/reports?sslmode=require")
    )
    assert env["DATABASE_URL"] == Interpolation(("postgres://app@", endpoint, "/app"))
    assert env["BUCKET"] == Computed("aws_s3_bucket.uploads", "bucket")  # the HCL reference
    assert env["ITEMS"] == "items"  # a short name is never taken for an identifier


def test_state_sensitive_values_and_their_clear_text_are_masked(tmp_path: Path) -> None:
    module = _load(_copy(tmp_path, "state"), "state.json")
    env = _env(module, "aws_lambda_function.api")
    assert env["DB_PASSWORD"] == Sensitive("db_password")
    # an unmarked remote-state output holding the password's clear text
    assert env["ADMIN_DSN"] == Sensitive(
        "data.terraform_remote_state.shared.outputs.admin_dsn", variable=False
    )
    database = resource(module, "aws_db_instance.main").values
    assert database.raw("password") == Sensitive("db_password")
    everything = repr([r.values.to_dict() for r in module.resources])
    assert STATE_SECRET not in everything


def test_what_the_hcl_writes_still_decides_has(tmp_path: Path) -> None:
    values = resource(_load(_copy(tmp_path, "state"), "state.json"), "aws_lambda_function.api")
    assert values.values.block("tracing_config") is not None  # the state's computed block
    assert not values.values.has("tracing_config")  # …is not a feature the code asks for
    assert values.values.integer("memory_size", 0) == 128


def test_set_blocks_pair_with_the_json_object_that_agrees(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": 'resource "aws_dynamodb_table" "t" {\n  name = "t"\n  hash_key = "pk"\n'
                   '  attribute {\n    name = "pk"\n    type = "S"\n  }\n'
                   '  attribute {\n    name = "n"\n    type = "N"\n  }\n}\n',
        "state.json": json.dumps({"format_version": "1.0", "values": {"root_module": {
            "resources": [{"address": "aws_dynamodb_table.t", "mode": "managed",
                           "type": "aws_dynamodb_table", "name": "t",
                           "values": {"name": "t", "hash_key": "pk", "attribute": [
                               {"name": "n", "type": "N", "extra": "from-n"},
                               {"name": "pk", "type": "S", "extra": "from-pk"}]},
                           "sensitive_values": {}}]}}}),
    })  # fmt: skip
    (root / ".git").mkdir()
    blocks = resource(_load(root, "state.json"), "aws_dynamodb_table.t").values.blocks("attribute")
    assert [(b.string("name"), b.string("extra")) for b in blocks] == [
        ("pk", "from-pk"),
        ("n", "from-n"),
    ]


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "invalid JSON"),
        ("[]", "no format_version"),
        ('{"version": 4, "resources": []}', "no format_version"),  # a raw terraform.tfstate
        ('{"format_version": "2.0", "values": {}}', "not supported"),
        ('{"format_version": "1.0", "outputs": {}}', "neither a plan"),
        ('{"format_version": "1.2", "resource_changes": {}}', "must be a list"),
        ('{"format_version": "1.2", "resource_changes": [{"change": {}}]}', "needs string"),
    ],
)
def test_a_file_that_is_no_plan_or_state_is_one_line_with_the_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(UserError) as caught:
        load_json(path, "plan.json")
    line = caught.value.one_line()
    assert message in line and "plan.json" in line
    assert "terraform show -json plan.out > plan.json" in line
    assert "\n" not in line


def test_plan_and_state_are_told_apart() -> None:
    assert load_json(FIXTURES / "plan" / "plan.json", "plan.json").kind == "plan"
    assert load_json(FIXTURES / "state" / "state.json", "state.json").kind == "state"
    empty = load_json(FIXTURES / "empty-state.json", "empty-state.json")
    assert empty.kind == "state" and not empty.resources


def test_without_json_nothing_changes(tmp_path: Path) -> None:
    root = _copy(tmp_path, "state")
    module = _load(root, None)
    assert module.terraform_json is None
    bucket = resource(module, "aws_s3_bucket.uploads").values
    assert bucket.string("bucket") == "" and bucket.origin("bucket") == "hcl"
    env = _env(module, "aws_lambda_function.api")
    assert env["QUEUE_URL"] == "https://sqs.eu-west-1.amazonaws.com/123456789012/events"
    assert isinstance(env["EVENTS_URL"], Computed)  # the data source, known only to Terraform
    assert env["ITEMS"] == "items"


def _plan(root: Path, variables: dict[str, Any], changes: list[dict[str, Any]],
          sensitive: tuple[str, ...] = ()) -> Path:  # fmt: skip
    (root / ".git").mkdir(exist_ok=True)
    (root / "plan.json").write_text(json.dumps({
        "format_version": "1.2",
        "variables": {k: {"value": v} for k, v in variables.items()},
        "resource_changes": changes,
        "configuration": {"root_module": {
            "variables": {k: {"sensitive": True} for k in sensitive}}},
    }))  # fmt: skip
    return root


def _change(address: str, type_: str, name: str, after: dict[str, Any], **extra: Any) -> Any:
    return {"address": address, "mode": "managed", "type": type_, "name": name, **extra,
            "change": {"actions": ["create"], "after": after}}  # fmt: skip


def test_instances_are_the_ones_terraform_expanded(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": 'variable "names" {}\nvariable "n" {}\n'
                   'resource "aws_sqs_queue" "q" {\n  for_each = toset(var.names)\n'
                   '  name = "q-${each.key}"\n}\n'
                   'module "m" {\n  source = "./m"\n  count = var.n\n  i = count.index\n}\n',
        "m/main.tf": 'variable "i" {}\nresource "aws_sns_topic" "t" {\n  name = "t-${var.i}"\n}\n',
    })  # fmt: skip
    changes = [
        _change('aws_sqs_queue.q["a"]', "aws_sqs_queue", "q", {}, index="a"),
        _change('aws_sqs_queue.q["b c"]', "aws_sqs_queue", "q", {}, index="b c"),
        _change("module.m[0].aws_sns_topic.t", "aws_sns_topic", "t", {},
                module_address="module.m[0]"),
        _change("module.m[1].aws_sns_topic.t", "aws_sns_topic", "t", {},
                module_address="module.m[1]"),
    ]  # fmt: skip
    module = _load(_plan(tmp_path, {}, changes), "plan.json")  # no variable values at all
    assert not [u for u in module.diagnostics.unresolved if u.attribute in ("count", "for_each")]
    assert addresses(module) == [
        'aws_sqs_queue.q["a"]',
        'aws_sqs_queue.q["b c"]',
        "module.m[0].aws_sns_topic.t",
        "module.m[1].aws_sns_topic.t",
    ]
    assert resource(module, 'aws_sqs_queue.q["b c"]').values.string("name") == "q-b c"
    assert resource(module, "module.m[1].aws_sns_topic.t").values.string("name") == "t-1"


def test_a_variable_the_plan_marks_sensitive_never_reaches_the_hcl(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": 'variable "token" {}\nvariable "url" {}\n'
                   'resource "aws_ssm_parameter" "p" {\n  name = "p"\n  value = var.token\n'
                   '  description = var.url\n}\n',
    })  # fmt: skip
    variables = {"token": "tok-DoNotLeak-9", "url": "https://x?t=tok-DoNotLeak-9"}
    module = _load(_plan(tmp_path, variables, [], sensitive=("token",)), "plan.json")
    values = resource(module, "aws_ssm_parameter.p").values
    assert values.raw("value") == Sensitive("token")  # sensitive by the plan's configuration
    assert values.raw("description") == Sensitive("url")  # holds the secret's clear text
