"""aws_lambda_function: where the code comes from as Terraform ships it; a function whose
code is not found is not reported as working."""

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
