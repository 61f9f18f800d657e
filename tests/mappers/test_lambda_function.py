"""aws_lambda_function: where the code comes from as Terraform ships it; a function whose
code is not found is not reported as working."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mappers.helpers import stack_of, status

S3_UPLOAD = """
resource "aws_s3_bucket" "code" { bucket_prefix = "code" }
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/src.zip"
}
resource "aws_s3_object" "zip" {
  bucket = aws_s3_bucket.code.id
  key    = "src.zip"
  source = data.archive_file.zip.output_path
}
resource "aws_lambda_function" "fn" {
  function_name = "api"
  runtime       = "python3.12"
  handler       = "app.handler"
  s3_bucket     = aws_s3_bucket.code.id
  s3_key        = aws_s3_object.zip.key
}
"""


def test_code_uploaded_through_an_s3_object_is_the_archives_source(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, S3_UPLOAD)
    code = stack.functions["api"].code
    assert (code.kind, code.path) == ("dir", "tf/src")
    assert status(stack, "aws_lambda_function.fn") == "mapped"


def test_code_nobody_uploads_here_is_missing_and_blocking(tmp_path: Path) -> None:
    elsewhere = S3_UPLOAD.replace("s3_key        = aws_s3_object.zip.key", 's3_key = "v2/src.zip"')
    stack = stack_of(tmp_path, elsewhere)
    assert stack.functions["api"].code.kind == "missing"
    entry = next(c for c in stack.coverage if c.origin.address == "aws_lambda_function.fn")
    assert entry.status == "partial" and entry.blocking
    assert any("code-dirs" in text for text in entry.lost)
    assert any("code-dirs" in message for _, message in stack.resource_notes)


def test_the_build_context_is_the_code_not_the_terraform_directory(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, S3_UPLOAD)
    assert stack.function_images["api"].code_root == "tf/src"


def test_the_code_upload_is_not_data_to_migrate(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, S3_UPLOAD)
    assert status(stack, "aws_s3_object.zip") == "not-needed"


MODULE = """
variable "function_name" { type = string }
variable "source_path" {
  type    = any
  default = null
}
data "external" "archive_prepare" {
  count   = 1
  program = ["python3", "${path.module}/package.py", "prepare"]
  query = {
    source_path = try(tostring(var.source_path), jsonencode(var.source_path))
  }
}
resource "aws_lambda_function" "this" {
  function_name = var.function_name
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = try(data.external.archive_prepare[0].result.filename, null)
  s3_bucket     = null
}
"""


@pytest.mark.parametrize(
    ("source_path", "expected"),
    [
        ('"${path.module}/src/a"', ("dir", "tf/src/a")),
        ('["${path.module}/src/a", "${path.module}/src/shared"]', ("dir", "tf/src/a")),
        ('[{ path = "${path.module}/src/a", patterns = ["!.*/tests/.*"] }]', ("dir", "tf/src/a")),
        ('"${path.module}/src/handler.py"', ("file", "tf/src/handler.py")),
    ],
)
def test_terraform_aws_modules_lambda_source_path(
    tmp_path: Path, source_path: str, expected: tuple[str, str]
) -> None:
    """The module packages var.source_path at apply time (package.py): its first path is the
    code; the function's filename is unknown before apply and s3_bucket is null."""
    module = tmp_path / "tf" / "modules" / "lambda"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(MODULE, encoding="utf-8")
    root = 'module "fn" {\n  source = "./modules/lambda"\n  function_name = "api"\n'
    stack = stack_of(tmp_path, root + f"  source_path = {source_path}\n}}\n")
    code = stack.functions["api"].code
    assert (code.kind, code.path) == expected
    assert not any("S3" in message for _, message in stack.resource_notes)


UNKNOWN_REGION = """
variable "region" { type = string }
resource "aws_lambda_function" "fn" {
  function_name = "api"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "code.zip"
}
resource "aws_apigatewayv2_api" "api" {
  name          = "api"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_integration" "fn" {
  api_id             = aws_apigatewayv2_api.api.id
  integration_type   = "AWS_PROXY"
  integration_uri    = join("", ["arn:aws:apigateway:${var.region}:lambda:path/2015-03-31/",
                         "functions/${aws_lambda_function.fn.arn}/invocations"])
}
resource "aws_apigatewayv2_route" "get" {
  api_id    = aws_apigatewayv2_api.api.id
  route_key = "GET /hello"
  target    = "integrations/${aws_apigatewayv2_integration.fn.id}"
}
"""


def test_an_integration_uri_with_an_unknown_part_still_finds_its_function(
    tmp_path: Path,
) -> None:
    """`${var.region}` without a value makes the whole URI unknown: the function it
    references is still the integration's (read from the expression)."""
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "terraform.tfvars").write_text("", encoding="utf-8")
    stack = stack_of(tmp_path, UNKNOWN_REGION)
    assert [(r.method, r.path, r.function) for r in stack.routes] == [("GET", "/hello", "api")]
    assert status(stack, "aws_apigatewayv2_route.get") == "mapped"
