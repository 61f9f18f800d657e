"""Where a function's code comes from, one row per shape Terraform ships it in (issue 14):
``filename`` (literal, ``archive_file`` output, ``path.module``/``path.root``, in a local
and in an installed registry module), ``s3_bucket``/``s3_key`` through the
``aws_s3_object``/``aws_s3_bucket_object`` that uploads it, terraform-aws-modules/lambda's
``source_path`` (string, list, objects with patterns), ``image_uri`` (the repository's
Dockerfile when it builds the image, else a blocking finding) and ``code-dirs``.

Every row also checks the build context: it is the function's own code folder (or the
zip's, the image's), never the Terraform directory that holds a planted state and
``.env``, nor a parent of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from cloudexit_ci.convert import convert
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose
from cloudexit_ci.stack import Stack
from cloudexit_ci.terraform.load import load_module

FN = """
resource "aws_lambda_function" "fn" {
  function_name = "api"
  runtime       = "python3.12"
  handler       = "app.handler"
  %s
}
"""
ARCHIVE = """
data "archive_file" "zip" {
  type        = "zip"
  %s
  output_path = "${path.module}/build/api.zip"
}
"""
S3 = """
resource "aws_s3_bucket" "code" { bucket = "acme-code" }
resource "%s" "zip" {
  bucket = aws_s3_bucket.code.id
  key    = "releases/api.zip"
  source = %s
}
"""
# terraform-aws-modules/lambda as far as the code goes (its package.py runs at apply)
LAMBDA_MODULE = """
variable "function_name" { type = string }
variable "source_path" {
  type    = any
  default = null
}
data "external" "archive_prepare" {
  count   = 1
  program = ["python3", "${path.module}/package.py", "prepare"]
  query = {
    source_path   = try(tostring(var.source_path), jsonencode(var.source_path))
    hash_internal = jsonencode([filesha256("${path.module}/package.py")])
  }
}
resource "aws_lambda_function" "this" {
  function_name = var.function_name
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = try(data.external.archive_prepare[0].result.filename, null)
  s3_bucket     = null
}
output "local_filename" { value = data.external.archive_prepare[0].result.filename }
"""
FROM_PACKAGE = """
variable "function_name" { type = string }
variable "local_existing_package" { type = string }
resource "aws_lambda_function" "this" {
  function_name = var.function_name
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = var.local_existing_package
}
"""
# terraform-aws-modules/lambda//modules/docker-build as far as the image goes
DOCKER_BUILD = """
variable "source_path" { type = string }
variable "docker_file_path" {
  type    = string
  default = "Dockerfile"
}
variable "ecr_repo" { type = string }
resource "docker_image" "this" {
  name = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/${var.ecr_repo}:1"
  build {
    context    = var.source_path
    dockerfile = var.docker_file_path
  }
}
resource "docker_registry_image" "this" {
  name = docker_image.this.name
}
variable "use_image_tag" {
  type    = bool
  default = false
}
output "image_uri" {  # as the module writes it (v8): name@digest unless use_image_tag
  value = (var.use_image_tag ? docker_registry_image.this.name
    : format("%v@%v", docker_registry_image.this.name, docker_registry_image.this.id))
}
"""
DOCKER_BUILD_SOURCE = "terraform-aws-modules/lambda/aws//modules/docker-build"
IMAGE_FN = """
resource "aws_lambda_function" "fn" {
  function_name = "api"
  package_type  = "Image"
  image_uri     = %s
}
"""
DOCKER_RESOURCES = """
resource "docker_image" "app" {
  name = "registry.example.com/app:1"
  build {
    context    = "${path.module}/../services/app"
    dockerfile = "docker/Dockerfile.lambda"
  }
}
resource "docker_registry_image" "app" { name = docker_image.app.name }
"""
TUTORIAL = """
resource "random_pet" "lambda_bucket_name" {
  prefix = "learn-terraform-functions"
  length = 4
}
resource "aws_s3_bucket" "lambda_bucket" {
  bucket = random_pet.lambda_bucket_name.id
}
data "archive_file" "lambda_hello_world" {
  type        = "zip"
  source_dir  = "${path.module}/hello-world"
  output_path = "${path.module}/hello-world.zip"
}
resource "aws_s3_object" "lambda_hello_world" {
  bucket = aws_s3_bucket.lambda_bucket.id
  key    = "hello-world.zip"
  source = data.archive_file.lambda_hello_world.output_path
  etag   = filemd5(data.archive_file.lambda_hello_world.output_path)
}
resource "aws_lambda_function" "hello_world" {
  function_name    = "api"
  s3_bucket        = aws_s3_bucket.lambda_bucket.id
  s3_key           = aws_s3_object.lambda_hello_world.key
  runtime          = "nodejs20.x"
  handler          = "hello.handler"
  source_code_hash = data.archive_file.lambda_hello_world.output_base64sha256
}
"""
ZIP = b"PK\x05\x06" + b"\x00" * 18  # an empty zip
SRC = {"tf/src/app.py": "def handler(e, c):\n    return e\n"}


def installed(key: str, source: str) -> dict[str, str]:
    """`terraform init`'s record of one registry module."""
    modules = [{"Key": "", "Source": "", "Dir": "."}]
    modules.append({"Key": key, "Source": source, "Version": "1.0.0",
                    "Dir": f".terraform/modules/{key}"})  # fmt: skip
    return {"tf/.terraform/modules/modules.json": json.dumps({"Modules": modules})}


def lambda_module(source_path: str, where: str = "./modules/lambda") -> str:
    return (
        f'module "fn" {{\n  source = "{where}"\n  function_name = "api"\n'
        f"  source_path = {source_path}\n}}\n"
    )


@dataclass(frozen=True)
class Shape:
    name: str
    hcl: str
    files: Mapping[str, str | bytes]
    kind: str
    path: str
    context: str  # repository-relative build context (image: the Dockerfile's)
    status: str = "mapped"
    blocking: bool = False
    lost: str = ""  # a text one of the entry's losses contains
    code_dirs: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    dockerfile: str = ""


SHAPES = [
    Shape("filename literal", FN % 'filename = "build/api.zip"',
          {"tf/build/api.zip": ZIP}, "zip", "tf/build/api.zip", "tf/build"),
    Shape("filename with path.module", FN % 'filename = "${path.module}/build/api.zip"',
          {"tf/build/api.zip": ZIP}, "zip", "tf/build/api.zip", "tf/build"),
    Shape("filename with path.root", FN % 'filename = "${path.root}/../dist/api.zip"',
          {"dist/api.zip": ZIP}, "zip", "dist/api.zip", "dist"),
    Shape("archive_file source_dir",
          ARCHIVE % 'source_dir = "${path.module}/src"'
          + FN % "filename = data.archive_file.zip.output_path",
          SRC, "dir", "tf/src", "tf/src"),
    Shape("archive_file source_file",
          ARCHIVE % 'source_file = "${path.module}/src/app.py"'
          + FN % "filename = data.archive_file.zip.output_path",
          SRC, "file", "tf/src/app.py", "tf/src"),
    Shape("archive_file source_dir with path.root",
          ARCHIVE % 'source_dir = "${path.root}/../lambdas/api"'
          + FN % "filename = data.archive_file.zip.output_path",
          {"lambdas/api/app.py": "x = 1\n"}, "dir", "lambdas/api", "lambdas/api"),
    Shape("inside a local module (path.module)",
          'module "fn" {\n  source = "./modules/fn"\n}\n',
          {"tf/modules/fn/main.tf": ARCHIVE % 'source_dir = "${path.module}/src"'
           + FN % "filename = data.archive_file.zip.output_path",
           "tf/modules/fn/src/app.py": "x = 1\n"},
          "dir", "tf/modules/fn/src", "tf/modules/fn/src"),
    Shape("inside a local module (path.root)",
          'module "fn" {\n  source = "./modules/fn"\n}\n',
          {"tf/modules/fn/main.tf": ARCHIVE % 'source_dir = "${path.root}/src"'
           + FN % "filename = data.archive_file.zip.output_path", **SRC},
          "dir", "tf/src", "tf/src"),
    Shape("inside a local module (the caller's path)",
          'module "fn" {\n  source = "./modules/fn"\n  src = "${path.module}/src"\n}\n',
          {"tf/modules/fn/main.tf": 'variable "src" { type = string }\n'
           + ARCHIVE % "source_dir = var.src"
           + FN % "filename = data.archive_file.zip.output_path", **SRC},
          "dir", "tf/src", "tf/src"),
    Shape("inside an installed registry module",
          'module "fn" {\n  source = "acme/fn/aws"\n  version = "1.0.0"\n}\n',
          {**installed("fn", "registry.terraform.io/acme/fn/aws"),
           "tf/.terraform/modules/fn/main.tf": ARCHIVE % 'source_dir = "${path.module}/code"'
           + FN % "filename = data.archive_file.zip.output_path",
           "tf/.terraform/modules/fn/code/app.py": "x = 1\n"},
          "dir", "tf/.terraform/modules/fn/code", "tf/.terraform/modules/fn/code"),
    Shape("s3 through aws_s3_object of an archive",
          ARCHIVE % 'source_dir = "${path.module}/src"'
          + S3 % ("aws_s3_object", "data.archive_file.zip.output_path")
          + FN % "s3_bucket = aws_s3_bucket.code.id\n  s3_key = aws_s3_object.zip.key",
          SRC, "dir", "tf/src", "tf/src"),
    Shape("s3 through aws_s3_bucket_object of a zip, literal key",
          S3 % ("aws_s3_bucket_object", '"${path.module}/../dist/api.zip"')
          + FN % 's3_bucket = aws_s3_bucket.code.id\n  s3_key = "releases/api.zip"',
          {"dist/api.zip": ZIP}, "zip", "dist/api.zip", "dist"),
    Shape("s3 as HashiCorp's Lambda tutorial uploads it", TUTORIAL,
          {"tf/hello-world/hello.js": "exports.handler = async () => ({});\n"},
          "dir", "tf/hello-world", "tf/hello-world"),
    Shape("s3 with the bucket named by .bucket here and .id there",
          ARCHIVE % 'source_dir = "${path.module}/src"'
          + S3.replace("aws_s3_bucket.code.id", "aws_s3_bucket.code.bucket")
          % ("aws_s3_object", "data.archive_file.zip.output_path")
          + FN % "s3_bucket = aws_s3_bucket.code.id\n  s3_key = aws_s3_object.zip.id",
          SRC, "dir", "tf/src", "tf/src"),
    Shape("s3 that nothing here uploads",
          S3 % ("aws_s3_object", '"api.zip"')
          + FN % 's3_bucket = "elsewhere"\n  s3_key = "api.zip"',
          {}, "missing", "", "functions/api", "partial", True, "code-dirs"),
    Shape("source_path string", lambda_module('"${path.module}/src"'),
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE, **SRC}, "dir", "tf/src", "tf/src"),
    Shape("source_path file", lambda_module('"${path.module}/src/app.py"'),
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE, **SRC}, "file", "tf/src/app.py", "tf/src"),
    Shape("source_path list", lambda_module('["${path.module}/src", "${path.module}/lib"]'),
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE, **SRC}, "dir", "tf/src", "tf/src",
          "partial", False, "tf/lib"),
    Shape("source_path objects with patterns",
          lambda_module('[{ path = "${path.module}/src", patterns = ["!.*/tests/.*"] }]'),
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE, **SRC}, "dir", "tf/src", "tf/src",
          "partial", False, "!.*/tests/.*"),
    Shape("source_path beside the module's null image_uri",
          lambda_module('"${path.module}/src"'),
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE.replace(
              '  s3_bucket     = null', '  s3_bucket     = null\n  image_uri     = var.image_uri\n'
              '  package_type  = "Zip"') + 'variable "image_uri" {\n  default = null\n}\n',
           **SRC}, "dir", "tf/src", "tf/src"),
    Shape("local_existing_package: another terraform-aws-modules/lambda call's package",
          lambda_module('"${path.module}/src"').replace('"api"', '"packager"')
          + 'module "api" {\n  source = "./modules/from_package"\n  function_name = "api"\n'
          "  local_existing_package = module.fn.local_filename\n}\n",
          {"tf/modules/lambda/main.tf": LAMBDA_MODULE, "tf/modules/from_package/main.tf":
           FROM_PACKAGE, **SRC}, "dir", "tf/src", "tf/src"),
    Shape("source_path in the installed registry module",
          lambda_module('"${path.module}/src"', "terraform-aws-modules/lambda/aws"),
          {**installed("fn", "registry.terraform.io/terraform-aws-modules/lambda/aws"),
           "tf/.terraform/modules/fn/main.tf": LAMBDA_MODULE, **SRC},
          "dir", "tf/src", "tf/src"),
    Shape("image_uri built by docker_image resources",
          DOCKER_RESOURCES + IMAGE_FN % "docker_registry_image.app.name",
          {"services/app/docker/Dockerfile.lambda": "FROM scratch\n"},
          "build", "services/app", "services/app", "partial", False, "serve HTTP",
          dockerfile="docker/Dockerfile.lambda"),
    Shape("image_uri from the installed docker-build submodule",
          'module "image" {\n  source = "terraform-aws-modules/lambda/aws//modules/docker-build"\n'
          '  ecr_repo = "api"\n  source_path = "${path.module}/../app"\n}\n'
          + IMAGE_FN % "module.image.image_uri",
          {**installed("image", f"registry.terraform.io/{DOCKER_BUILD_SOURCE}"),
           "tf/.terraform/modules/image/main.tf": DOCKER_BUILD, "app/Dockerfile": "FROM scratch\n"},
          "build", "app", "app", "partial", False, "serve HTTP", dockerfile="Dockerfile"),
    Shape("image_uri passed into a module from the docker-build submodule (name@digest)",
          'module "image" {\n  source = "terraform-aws-modules/lambda/aws//modules/docker-build"\n'
          '  ecr_repo = "api"\n  source_path = "context"\n}\n'
          'module "fn" {\n  source = "./modules/lambda"\n  image_uri = module.image.image_uri\n}\n',
          {**installed("image", f"registry.terraform.io/{DOCKER_BUILD_SOURCE}"),
           "tf/.terraform/modules/image/main.tf": DOCKER_BUILD,
           "tf/modules/lambda/main.tf": 'variable "image_uri" { type = string }\n'
           + IMAGE_FN % "var.image_uri",
           "tf/context/Dockerfile": "FROM scratch\n"},
          "build", "tf/context", "tf/context", "partial", False, "serve HTTP",
          dockerfile="Dockerfile"),
    Shape("image_uri with a Dockerfile in its code-dirs folder",
          IMAGE_FN % '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1"',
          {"services/api/Dockerfile": "FROM scratch\n"},
          "build", "services/api", "services/api", "partial", False, "serve HTTP",
          (("aws_lambda_function.fn", "../services/api"),), "Dockerfile"),
    Shape("image_uri with a Dockerfile in the one folder named after the function",
          IMAGE_FN % '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1"',
          {"functions/api/Dockerfile": "FROM scratch\n"},
          "build", "functions/api", "functions/api", "partial", False, "serve HTTP",
          dockerfile="Dockerfile"),
    Shape("image_uri with Dockerfiles in two folders named after the function",
          IMAGE_FN % '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1"',
          {"lambdas/api/Dockerfile": "FROM scratch\n", "tf/fn/Dockerfile": "FROM scratch\n"},
          "image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1", "",
          "partial", True, "no Dockerfile"),
    Shape("image_uri nothing here builds",
          IMAGE_FN % '"123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1"', {},
          "image", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1", "",
          "partial", True, "no Dockerfile"),
    Shape("code-dirs over filename", FN % 'filename = "build/api.zip"',
          {"tf/build/api.zip": ZIP, "services/api/app.py": "x = 1\n"},
          "dir", "services/api", "services/api",
          code_dirs=(("aws_lambda_function.fn", "../services/api"),)),
    Shape("code-dirs by function name", FN % 's3_bucket = "elsewhere"\n  s3_key = "api.zip"',
          {"services/api/app.py": "x = 1\n"}, "dir", "services/api", "services/api",
          code_dirs=(("api", "../services/api"),)),
]  # fmt: skip
PLANTED = ("tf/terraform.tfstate", "tf/.env", "tf/deploy.pem")


def stack_for(tmp_path: Path, shape: Shape) -> Stack:
    (tmp_path / ".git").mkdir()
    files: dict[str, str | bytes] = {"tf/main.tf": shape.hcl, **shape.files}
    files |= {p: "planted secret\n" for p in PLANTED}
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    module = load_module(tmp_path / "tf", repo_root=tmp_path)
    options = Options(domain="app.example.com", output_dir=str(tmp_path / "out"))
    return convert(module, replace(options, code_dirs=shape.code_dirs))


def _function_address(stack: Stack) -> str:
    return stack.functions["api"].origin.address


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_code_shape(tmp_path: Path, shape: Shape) -> None:
    stack = stack_for(tmp_path, shape)
    code = stack.functions["api"].code
    assert (code.kind, code.path, code.dockerfile) == (shape.kind, shape.path, shape.dockerfile)
    entry = next(c for c in stack.coverage if c.origin.address == _function_address(stack))
    assert (entry.status, entry.blocking) == (shape.status, shape.blocking), entry
    assert shape.lost in " ".join(entry.lost), entry.lost


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_the_build_context_is_the_functions_own_code(tmp_path: Path, shape: Shape) -> None:
    stack = stack_for(tmp_path, shape)
    build = compose.compose_document(stack)["services"]["api"].get("build")
    if not shape.context:
        assert build is None  # nothing to build: the image is pulled
        return
    assert build is not None
    out = tmp_path / "out"
    image = stack.functions["api"].code.kind == "build"
    named = build["context"] if image else build["additional_contexts"]["code"]
    code = (out / named).resolve()
    if shape.kind == "missing":  # no code: the function's own generated folder, nothing else
        assert named == "functions/api"
        return
    assert code == (tmp_path / shape.context).resolve()
    for planted in PLANTED:  # never inside a build context, however the code is laid out
        assert not (tmp_path / planted).resolve().is_relative_to(code), planted


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("image_uri with a Dockerfile in the one folder named after the function",
         "built from functions/api/Dockerfile, found by the function's name"),
        ("image_uri with Dockerfiles in two folders named after the function",
         "several folders could build its image (lambdas/api, tf/fn): set code-dirs"),
    ],
)  # fmt: skip
def test_an_image_found_by_name_says_so(tmp_path: Path, name: str, note: str) -> None:
    shape = next(s for s in SHAPES if s.name == name)
    stack = stack_for(tmp_path, shape)
    assert any(note in message for _, message in stack.resource_notes), stack.resource_notes


def test_an_image_function_behind_a_route_gets_no_shim_health_check(tmp_path: Path) -> None:
    """Traefik's health check asks the shim's health path; an image function has no shim
    (its own server answers), so its backend has no health check (else: always down)."""
    shape = next(s for s in SHAPES if s.name == "image_uri built by docker_image resources")
    url = 'resource "aws_lambda_function_url" "u" {\n  function_name = "api"\n}\n'
    stack = stack_for(tmp_path, replace(shape, hcl=shape.hcl + url))
    assert stack.backends["api"].health_path is None
