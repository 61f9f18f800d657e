"""Layers end to end: Terraform with an aws_lambda_layer_version → `cloudexit-ci migrate`
→ the generated Dockerfile carried out over the real build contexts
(tests/runtime/dockerbuild.py) → the real shim started with that image's environment and
files (its /opt and /var/task mapped into the built stage): the handler imports a module
that only the layer has, as on Lambda (Python: /opt/python on the path; Node.js:
/opt/nodejs/node_modules on NODE_PATH)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.main import main
from tests.runtime import dockerbuild, harness
from tests.servers import tool

TERRAFORM = """
data "archive_file" "pylayer" {
  type        = "zip"
  source_dir  = "${path.module}/layers/py"
  output_path = "${path.module}/dist/pylayer.zip"
}
resource "aws_lambda_layer_version" "py" {
  layer_name = "py-shared"
  filename   = data.archive_file.pylayer.output_path
}
resource "aws_lambda_layer_version" "node" {
  layer_name = "node-shared"
  filename   = "dist/nodelayer.zip"
}
resource "aws_lambda_function" "py" {
  function_name = "py-fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "dist/py.zip"
  layers        = [aws_lambda_layer_version.py.arn]
}
resource "aws_lambda_function" "node" {
  function_name = "node-fn"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "dist/node.zip"
  layers        = [aws_lambda_layer_version.node.arn]
}
"""
HANDLERS = {
    "python": (
        "py",
        "app.py",
        "import shared_lib\n\ndef handler(event, context):\n"
        "    return {'statusCode': 200, 'body': shared_lib.WHO}\n",
    ),
    "node": (
        "node",
        "index.js",
        "const shared = require('shared-lib');\n"
        "exports.handler = async () => ({ statusCode: 200, body: shared.who });\n",
    ),
}


def _zip(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dockerbuild.Stage]:
    """The final stage of each generated function image, by runtime."""
    root = tmp_path_factory.mktemp("layers")
    tf = root / "terraform"
    (tf / "layers" / "py" / "python").mkdir(parents=True)
    (tf / "layers" / "py" / "python" / "shared_lib.py").write_text("WHO = 'python layer'\n")
    (tf / "dist").mkdir()
    node_lib = "nodejs/node_modules/shared-lib/index.js"
    _zip(tf / "dist" / "nodelayer.zip", {node_lib: "exports.who = 'node layer';\n"})
    for folder, name, text in HANDLERS.values():
        _zip(tf / "dist" / f"{folder}.zip", {name: text})
    (tf / "main.tf").write_text(TERRAFORM)
    out = root / "stack"
    assert main(["migrate", str(tf), "--output", str(out)]) == 0
    config = subprocess.run(
        [tool("docker-compose"), "-f", str(out / "docker-compose.yml"), "config", "--format",
         "json"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    services = json.loads(config.stdout)["services"]
    stages = {}
    for runtime, service in (("python", "py-fn"), ("node", "node-fn")):
        build = services[service]["build"]
        context = Path(build["context"])
        named = {k: Path(v) for k, v in build["additional_contexts"].items()}
        dockerfile = (context / build["dockerfile"]).read_text()
        image = dockerbuild.build(dockerfile, context, named, root / "images" / service)
        stages[runtime] = image.stages[-1]
    return stages


def _image_env(stage: dockerbuild.Stage) -> dict[str, str]:
    """The image's path variables with /opt and /var/task mapped into the built stage."""
    names = ("PYTHONPATH", "NODE_PATH")
    return {
        k: ":".join(str(stage.path(p)) for p in v.split(":"))
        for k, v in stage.env.items()
        if k in names
    }


def _config(stage: dockerbuild.Stage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(stage.path(stage.env["CLOUDEXIT_CONFIG"]).read_text())
    return data


@pytest.mark.parametrize("with_layers", [True, False], ids=["image-env", "without-layer-path"])
def test_the_handler_imports_a_module_only_the_layer_has(
    runtime: str, with_layers: bool, built: dict[str, dockerbuild.Stage], tmp_path: Path
) -> None:
    stage = built[runtime]
    env = _image_env(stage) if with_layers else {}
    task_root = stage.path(stage.env["LAMBDA_TASK_ROOT"])
    unset = () if with_layers else ("PYTHONPATH", "NODE_PATH")
    with harness.start(
        runtime, _config(stage), tmp_path, env=env, unset=unset, task_root=task_root, ready=()
    ) as shim:
        health = shim.request("GET", harness.HEALTH)
        invoked = shim.request(
            "POST",
            "/__cloudexit/invoke/" + {"python": "py-fn", "node": "node-fn"}[runtime],
            body=b"{}",
        )
    if not with_layers:  # the control: without the layer's folder on the path, no import
        assert health.status == 503
        assert health.json()["errors"][0]["errorType"] == "Runtime.ImportModuleError"
        return
    assert health.status == 200, health.body
    assert invoked.status == 200, invoked.body
    assert invoked.json()["body"] == f"{runtime} layer"
