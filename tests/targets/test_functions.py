"""targets/functions.py: how function containers run."""

from __future__ import annotations

from pathlib import Path

from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from tests.servers import REPO


def test_function_healthchecks_leave_room_for_a_starting_stack(tmp_path: Path) -> None:
    """D2 of the container suite: the check starts a new interpreter that loads the shim,
    which took 3.4 s while two cores started a stack; with 3 s the containers went unhealthy
    and `docker compose up --wait` failed."""
    example = REPO / "examples" / "serverless-items" / "terraform"
    stack = generate(Source(example), Options(output_dir=str(tmp_path))).stack
    functions = [s for s in stack.services.values() if s.role == "function"]
    assert functions
    for service in functions:
        assert service.healthcheck is not None
        assert service.healthcheck.timeout_s >= 10 and service.healthcheck.start_period_s >= 30
