"""Lambda's reserved concurrency on Kubernetes: the ceiling of the function's autoscaler in
the base and both overlays (built with the real kustomize, validated strictly); 0 (Lambda
throttles every call) is a Deployment of 0 pods with no autoscaler; none keeps the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.render import kubernetes_workloads as work
from tests.render.kubernetes_helpers import kustomize, validate, write

HCL = """
resource "aws_lambda_function" "capped" {
  function_name = "capped"
  runtime = "python3.12"
  handler = "app.handler"
  filename = "build/app.zip"
  reserved_concurrent_executions = 3
}
resource "aws_lambda_function" "stopped" {
  function_name = "stopped"
  runtime = "python3.12"
  handler = "app.handler"
  filename = "build/app.zip"
  reserved_concurrent_executions = 0
}
resource "aws_lambda_function" "free" {
  function_name = "free"
  runtime = "python3.12"
  handler = "app.handler"
  filename = "build/app.zip"
  reserved_concurrent_executions = -1
}
"""


def _objects(tmp_path: Path, overlay: str | None) -> dict[tuple[str, str], dict[str, Any]]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(HCL)
    options = Options(platform="kubernetes", stack_name="conc", output_dir=str(tmp_path / "out"))
    result = generate(Source(tmp_path / "tf"), options)
    assert [result.stack.functions[k].reserved_concurrency for k in sorted(result.stack.functions)
            ] == [3, None, 0]  # fmt: skip
    write({str(p): d for p, d in result.tree.items()}, tmp_path / "out")
    where = tmp_path / "out" / "kubernetes" / ("base" if overlay is None else f"overlays/{overlay}")
    if overlay is not None:
        (where / "secrets.env").write_text("")
    docs = kustomize(where)
    for doc in docs:
        validate(doc)
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.mark.parametrize(
    ("overlay", "capped", "free"),
    [(None, (1, 3), (1, 10)), ("dev", (1, 1), (1, 1)), ("prod", (2, 3), (2, 20))],
)
def test_reserved_concurrency_caps_the_autoscaler(
    tmp_path: Path, overlay: str | None, capped: tuple[int, int], free: tuple[int, int]
) -> None:
    objects = _objects(tmp_path, overlay)
    for name, bounds in (("capped", capped), ("free", free)):
        spec = objects[("HorizontalPodAutoscaler", name)]["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == bounds, name
        assert "replicas" not in objects[("Deployment", name)]["spec"]  # the autoscaler's


def test_reserved_zero_is_no_pod_and_no_autoscaler(tmp_path: Path) -> None:
    objects = _objects(tmp_path, "prod")
    assert objects[("Deployment", "stopped")]["spec"]["replicas"] == 0
    assert ("HorizontalPodAutoscaler", "stopped") not in objects
    assert ("PodDisruptionBudget", "stopped") not in objects


def test_a_consolidated_service_adds_its_functions_ceilings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(HCL.replace("= -1", "= 4"))
    options = Options(platform="kubernetes", serverless_mode="consolidated",
                      output_dir=str(tmp_path / "out"))  # fmt: skip
    stack = generate(Source(tmp_path / "tf"), options).stack
    (service,) = [s for s in stack.services.values() if s.role == "function"]
    assert work.reserved_ceiling(service, stack) == 3 + 0 + 4
    assert work.replica_bounds(service, stack, 2, 20) == (2, 7)
    free = HCL.replace("= -1", "= 4").replace("= 0", "= -1")
    (tmp_path / "tf" / "main.tf").write_text(free)
    stack = generate(Source(tmp_path / "tf"), options).stack
    (service,) = [s for s in stack.services.values() if s.role == "function"]
    assert work.reserved_ceiling(service, stack) is None  # one function reserved nothing
