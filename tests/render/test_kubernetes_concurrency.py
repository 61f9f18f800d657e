"""Lambda's reserved and provisioned concurrency on the orchestrators. Kubernetes: the
reservation is the ceiling of the function's autoscaler and the provisioned environments its
floor, in the base and both overlays (built with the real kustomize, validated strictly); 0
(Lambda throttles every call) is a Deployment of 0 pods with no autoscaler; none keeps the
defaults. Swarm: the same bounds on ``deploy.replicas``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cloudexit_ci.mappers import concurrency
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.render import platform
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


WARM = """
resource "aws_lambda_provisioned_concurrency_config" "free_live" {
  function_name = aws_lambda_function.free.function_name
  qualifier = "live"
  provisioned_concurrent_executions = 3
}
resource "aws_lambda_provisioned_concurrency_config" "free_beta" {
  function_name = aws_lambda_function.free.arn
  qualifier = "beta"
  provisioned_concurrent_executions = 1
}
resource "aws_lambda_provisioned_concurrency_config" "capped" {
  function_name = "capped"
  qualifier = "$LATEST"
  provisioned_concurrent_executions = 5
}
resource "aws_lambda_provisioned_concurrency_config" "elsewhere" {
  function_name = "not-in-this-configuration"
  qualifier = "live"
  provisioned_concurrent_executions = 2
}
"""


def _objects(
    tmp_path: Path, overlay: str | None, hcl: str = HCL
) -> dict[tuple[str, str], dict[str, Any]]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(hcl)
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
    assert platform.reserved_ceiling(service, stack) == 3 + 0 + 4
    assert platform.replica_bounds(service, stack, 2, 20) == (2, 7)
    free = HCL.replace("= -1", "= 4").replace("= 0", "= -1")
    (tmp_path / "tf" / "main.tf").write_text(free)
    stack = generate(Source(tmp_path / "tf"), options).stack
    (service,) = [s for s in stack.services.values() if s.role == "function"]
    assert platform.reserved_ceiling(service, stack) is None  # one function reserved nothing


@pytest.mark.parametrize(
    ("overlay", "capped", "free"),
    [(None, (3, 3), (4, 10)), ("dev", (1, 1), (1, 1)), ("prod", (3, 3), (4, 20))],
)
def test_provisioned_concurrency_is_the_autoscalers_floor(
    tmp_path: Path, overlay: str | None, capped: tuple[int, int], free: tuple[int, int]
) -> None:
    """``free`` keeps 3 + 1 environments warm (two qualifiers, one version here); ``capped``
    provisions 5 above its reservation of 3: the reservation wins. The dev overlay keeps
    one pod each (the floor is for the base and prod)."""
    objects = _objects(tmp_path, overlay, HCL + WARM)
    for name, bounds in (("capped", capped), ("free", free)):
        spec = objects[("HorizontalPodAutoscaler", name)]["spec"]
        assert (spec["minReplicas"], spec["maxReplicas"]) == bounds, name
    assert objects[("Deployment", "stopped")]["spec"]["replicas"] == 0


def _swarm(tmp_path: Path, hcl: str) -> tuple[dict[str, Any], dict[str, Any]]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "tf").mkdir(exist_ok=True)
    (tmp_path / "tf" / "main.tf").write_text(hcl)
    options = Options(platform="swarm", stack_name="conc", output_dir=str(tmp_path / "out"))
    result = generate(Source(tmp_path / "tf"), options)
    coverage = {c.origin.address: c for c in result.stack.coverage}
    tree = {str(path): data for path, data in result.tree.items()}
    return yaml.safe_load(tree["stack.yml"])["services"], coverage


def test_swarm_replicas_within_reserved_and_at_least_provisioned(tmp_path: Path) -> None:
    services, _ = _swarm(tmp_path, HCL)
    assert services["capped"]["deploy"]["replicas"] == 1  # within 3: Compose's one
    assert services["stopped"]["deploy"]["replicas"] == 0
    assert services["free"]["deploy"]["replicas"] == 1
    services, _ = _swarm(tmp_path, HCL + WARM)
    assert services["capped"]["deploy"]["replicas"] == 3  # 5 provisioned, 3 reserved
    assert services["free"]["deploy"]["replicas"] == 4
    assert services["stopped"]["deploy"]["replicas"] == 0


def test_provisioned_coverage_is_honest(tmp_path: Path) -> None:
    """Partial (Compose keeps one container; one version runs), the service it shaped
    names it as a source; a configuration for a function that is not here is unmapped."""
    _, coverage = _swarm(tmp_path, HCL + WARM)
    live = coverage["aws_lambda_provisioned_concurrency_config.free_live"]
    assert (live.status, live.service) == ("partial", "free")
    assert len(live.lost) == 2  # Compose, and the qualifier's own pool
    latest = coverage["aws_lambda_provisioned_concurrency_config.capped"]
    assert latest.lost == (concurrency.COMPOSE_LOST,)
    assert coverage["aws_lambda_provisioned_concurrency_config.elsewhere"].status == "unmapped"
