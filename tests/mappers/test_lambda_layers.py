"""aws_lambda_layer_version: a layer of this configuration whose code is here is extracted
to /opt in the image of each function that lists it; one published elsewhere (an ARN
literal) or whose code is not here is a blocking finding on the function, and the layer's
own status says so."""

from __future__ import annotations

from pathlib import Path

from cloudexit_ci.render.functions import function_files
from cloudexit_ci.stack import Stack
from tests.mappers.helpers import stack_of, status

LAYERED = """
data "archive_file" "deps" {
  type        = "zip"
  source_dir  = "${path.module}/layers/deps"
  output_path = "${path.module}/build/deps.zip"
}
resource "aws_lambda_layer_version" "deps" {
  layer_name          = "deps"
  filename            = data.archive_file.deps.output_path
  compatible_runtimes = ["python3.12"]
}
resource "aws_lambda_layer_version" "zipped" {
  layer_name = "zipped"
  filename   = "dist/zipped.zip"
}
resource "aws_lambda_layer_version" "unused" {
  layer_name = "unused"
  filename   = "dist/zipped.zip"
}
resource "aws_lambda_layer_version" "in_s3" {
  layer_name = "in-s3"
  s3_bucket  = "artifacts"
  s3_key     = "layers/in-s3.zip"
}
resource "aws_lambda_function" "fn" {
  function_name = "api"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "dist/api.zip"
  layers        = [aws_lambda_layer_version.deps.arn, aws_lambda_layer_version.zipped.arn]
}
"""


def _repo(tmp_path: Path) -> None:
    (tmp_path / "tf" / "layers" / "deps" / "python").mkdir(parents=True)
    (tmp_path / "tf" / "layers" / "deps" / "python" / "deps.py").write_text("X = 1\n")
    (tmp_path / "tf" / "dist").mkdir()
    for name in ("zipped.zip", "api.zip"):
        (tmp_path / "tf" / "dist" / name).write_bytes(b"PK\x05\x06" + b"\0" * 18)


def _entry(stack: Stack, address: str) -> tuple[str, bool, tuple[str, ...]]:
    found = next(c for c in stack.coverage if c.origin.address == address)
    return found.status, found.blocking, tuple(found.lost)


def test_local_layers_go_to_the_function_in_order(tmp_path: Path) -> None:
    _repo(tmp_path)
    stack = stack_of(tmp_path, LAYERED)
    layers = stack.functions["api"].layers
    assert [(a, c.kind, c.path) for a, c in layers] == [
        ("aws_lambda_layer_version.deps", "dir", "tf/layers/deps"),
        ("aws_lambda_layer_version.zipped", "zip", "tf/dist/zipped.zip"),
    ]
    assert status(stack, "aws_lambda_function.fn") == "mapped"
    assert status(stack, "aws_lambda_layer_version.deps") == "mapped"
    assert status(stack, "aws_lambda_layer_version.zipped") == "mapped"
    assert status(stack, "aws_lambda_layer_version.unused") == "not-needed"
    # The build context holds the code and the layers; the Dockerfile names the layers.
    assert stack.function_images["api"].code_root == "tf"
    files = function_files(stack)
    dockerfile, sources = files["functions/api/Dockerfile"]
    assert "aws_lambda_layer_version.deps" in sources
    text = dockerfile.decode()
    assert 'COPY --from=code ["layers/deps/", "/unpack-layers/00/"]' in text
    assert 'COPY --from=code ["dist/zipped.zip", "/unpack-layers/01/.cloudexit-code.zip"]' in text
    assert "COPY --from=unpack /unpack-opt/ /opt/" in text
    assert "ENV PYTHONPATH=/opt/python/lib/python3.12/site-packages:/opt/python \\" in text


def test_a_layer_in_s3_is_unmapped_and_its_function_blocked(tmp_path: Path) -> None:
    _repo(tmp_path)
    hcl = LAYERED.replace(
        "aws_lambda_layer_version.zipped.arn]", "aws_lambda_layer_version.in_s3.arn]"
    )
    stack = stack_of(tmp_path, hcl)
    state, blocking, _ = _entry(stack, "aws_lambda_layer_version.in_s3")
    assert (state, blocking) == ("unmapped", True)
    state, blocking, lost = _entry(stack, "aws_lambda_function.fn")
    assert (state, blocking) == ("partial", True)
    assert lost == (
        "layer aws_lambda_layer_version.in_s3: its code is not a local zip or folder here",
    )
    assert [a for a, _ in stack.functions["api"].layers] == ["aws_lambda_layer_version.deps"]


def test_a_layer_published_elsewhere_is_a_blocking_finding(tmp_path: Path) -> None:
    _repo(tmp_path)
    arn = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
    hcl = LAYERED.replace("aws_lambda_layer_version.zipped.arn]", f'"{arn}"]')
    stack = stack_of(tmp_path, hcl)
    state, blocking, lost = _entry(stack, "aws_lambda_function.fn")
    assert (state, blocking) == ("partial", True)
    assert lost == (f"layer {arn} is published elsewhere: not in the image",)
    assert status(stack, "aws_lambda_layer_version.zipped") == "not-needed"


def test_no_layers_no_opt(tmp_path: Path) -> None:
    _repo(tmp_path)
    hcl = LAYERED.replace(
        "layers        = [aws_lambda_layer_version.deps.arn, aws_lambda_layer_version.zipped.arn]",
        "",
    )
    stack = stack_of(tmp_path, hcl)
    assert stack.functions["api"].layers == ()
    text = function_files(stack)["functions/api/Dockerfile"][0].decode()
    assert "/unpack-opt" not in text and "unpack-layers" not in text
    assert status(stack, "aws_lambda_layer_version.deps") == "not-needed"


def test_a_layer_list_unknown_here_is_a_blocking_finding(tmp_path: Path) -> None:
    _repo(tmp_path)
    hcl = LAYERED.replace(
        "[aws_lambda_layer_version.deps.arn, aws_lambda_layer_version.zipped.arn]",
        "[aws_lambda_layer_version.deps.arn, aws_s3_object.other.etag]",
    )
    stack = stack_of(tmp_path, hcl)
    state, blocking, lost = _entry(stack, "aws_lambda_function.fn")
    assert (state, blocking) == ("partial", True)
    assert lost == (
        "layer (a value known only after apply) cannot be resolved here: not in the image",
    )
