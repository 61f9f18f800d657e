"""Values found by value (``byvalue``) and the merge rule (``known.merge``), unit by unit."""

from __future__ import annotations

from typing import Any

from cloudexit_ci.terraform.byvalue import ByValue, Identity, build
from cloudexit_ci.terraform.expressions import Computed, Interpolation, Sensitive, Unknown
from cloudexit_ci.terraform.known import MISSING, Known, World, merge

URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"
DLQ = URL + "-dlq"
HOST = "db-1.abc123xyz.eu-west-1.rds.amazonaws.com"
ARN = "arn:aws:s3:::uploads-prod"


def _matcher() -> ByValue:
    return build([
        Identity("aws_sqs_queue.orders", {"id": URL, "url": URL, "name": "orders"}, {}),
        Identity("aws_sqs_queue_policy.p", {"id": URL, "queue_url": URL}, {}),
        Identity("aws_db_instance.db", {"address": HOST, "endpoint": f"{HOST}:5432"}, {}),
        Identity("aws_s3_bucket.b", {"arn": ARN, "bucket": "uploads-prod"}, {}),
        Identity("aws_lambda_function.f", {"arn": "arn:aws:lambda:eu-west-1:1:function:f"},
                 {"arn": True}),
        Identity("aws_sqs_queue.a", {"arn": "arn:aws:sqs:eu-west-1:1:twin"}, {}),
        Identity("aws_sqs_queue.b", {"arn": "arn:aws:sqs:eu-west-1:1:twin"}, {}),
    ])  # fmt: skip


def test_a_whole_identifier_is_the_attribute_it_is() -> None:
    by_value = _matcher()
    assert by_value(URL) == Computed("aws_sqs_queue.orders", "url")  # url over id
    assert by_value(ARN) == Computed("aws_s3_bucket.b", "arn")


def test_inside_a_longer_string_longest_match_first() -> None:
    found = _matcher()(f"postgres://u@{HOST}:5432/app and {ARN}/*")
    assert found == Interpolation((
        "postgres://u@", Computed("aws_db_instance.db", "endpoint"), "/app and ",
        Computed("aws_s3_bucket.b", "arn"), "/*",
    ))  # fmt: skip


def test_never_a_short_name_part_of_a_name_or_a_secret_or_an_ambiguous_value() -> None:
    by_value = _matcher()
    assert by_value("orders") == "orders"  # a name is not an identifier
    assert by_value("uploads-prod") == "uploads-prod"
    assert by_value(DLQ) == DLQ  # "…/orders" does not match inside "…/orders-dlq"
    assert by_value("arn:aws:lambda:eu-west-1:1:function:f") == (
        "arn:aws:lambda:eu-west-1:1:function:f"
    )  # a sensitive attribute is never indexed
    assert by_value("arn:aws:sqs:eu-west-1:1:twin") == "arn:aws:sqs:eu-west-1:1:twin"
    assert by_value(URL, exclude="aws_sqs_queue.orders") == URL  # not its own value


def _known(value: Any, unknown: Any = False, sensitive: Any = False, secrets: Any = ()) -> Known:
    world = World(_matcher(), frozenset(secrets))
    return Known("aws_lambda_function.api", ("environment",), value, unknown, sensitive, world)


def test_merge_prefers_terraform_but_keeps_references_secrets_and_unknowns() -> None:
    known = _known(
        {"A": URL, "B": "plain", "C": None, "PW": "hunter2-secret", "DSN": "x:hunter2-secret@y"},
        unknown={"D": True},
        sensitive={"PW": True},
        secrets={"hunter2-secret"},
    )
    hcl = {"A": Computed("aws_sqs_queue.orders", "id"), "B": Unknown("f()", "not evaluated"),
           "D": Computed("aws_x.y", "z"), "E": "gone", "S": Sensitive("token")}  # fmt: skip
    assert merge(hcl, known) == {
        "A": Computed("aws_sqs_queue.orders", "id"),  # the HCL's reference to a managed resource
        "B": "plain",  # what the HCL could not evaluate, Terraform knew
        "C": None,
        "PW": Sensitive("aws_lambda_function.api.environment.PW", variable=False),
        "DSN": Sensitive("aws_lambda_function.api.environment.DSN", variable=False),
        "D": Computed("aws_x.y", "z"),  # unknown until apply: the HCL's expression
    }  # "E"/"S": Terraform's map has no such keys
    assert merge(Sensitive("token"), _known("clear")) == Sensitive("token")
    assert merge(MISSING, _known(None, unknown=True)) == Computed(
        "aws_lambda_function.api", "environment"
    )
    assert merge(Computed("data.x.y", "v"), _known(URL)) == Computed("aws_sqs_queue.orders", "url")


def test_terraform_values_the_hcl_does_not_write_are_masked_all_the_way_down() -> None:
    known = _known(
        {"outputs": {"dsn": "pg://a:hunter2-secret@h", "token": "t0", "list": ["x", URL]}},
        sensitive={"outputs": {"token": True}},
        secrets={"hunter2-secret"},
    )
    assert merge(MISSING, known) == {
        "outputs": {
            "dsn": Sensitive("aws_lambda_function.api.environment.outputs.dsn", variable=False),
            "token": Sensitive("aws_lambda_function.api.environment.outputs.token", False),
            "list": ["x", Computed("aws_sqs_queue.orders", "url")],
        }
    }
