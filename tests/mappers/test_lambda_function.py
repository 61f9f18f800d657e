"""aws_lambda_function: a function whose code is not found is not reported as working
(every shape of code Terraform ships: tests/mappers/test_lambda_code.py)."""

from __future__ import annotations

from pathlib import Path

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


def test_code_nobody_uploads_here_is_missing_and_blocking(tmp_path: Path) -> None:
    elsewhere = S3_UPLOAD.replace("s3_key        = aws_s3_object.zip.key", 's3_key = "v2/src.zip"')
    stack = stack_of(tmp_path, elsewhere)
    assert stack.functions["api"].code.kind == "missing"
    entry = next(c for c in stack.coverage if c.origin.address == "aws_lambda_function.fn")
    assert entry.status == "partial" and entry.blocking
    assert any("code-dirs" in text for text in entry.lost)
    assert any("code-dirs" in message for _, message in stack.resource_notes)


def test_the_code_upload_is_not_data_to_migrate(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, S3_UPLOAD)
    assert status(stack, "aws_s3_object.zip") == "not-needed"


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
