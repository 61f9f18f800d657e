"""Fixtures of the container suite (marker ``docker``; `make test-docker`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docker import images
from tests.docker.stack import ComposeStack

ENGINE = Path(__file__).with_name("engine.sh")
TIMINGS: dict[str, dict[str, object]] = {}


@pytest.fixture(scope="session")
def engine() -> Iterator[None]:
    """The Docker Engine: installed and started if needed; stopped only if started here."""
    start = time.monotonic()
    done = subprocess.run(["bash", str(ENGINE), "start"], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"engine.sh start failed:\n{done.stdout}\n{done.stderr}")
    TIMINGS["engine"] = {"start (install if missing)": round(time.monotonic() - start, 1)}
    try:
        yield
    finally:
        if done.stdout.strip() == "started":
            subprocess.run(["bash", str(ENGINE), "stop"], check=False)


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    """The suite's own temporary directory (bind-mounted by the stacks for minutes: kept out of
    pytest's numbered temp dirs, which concurrent pytest sessions of the machine clean up)."""
    path = Path(tempfile.mkdtemp(prefix="cloudexit-docker-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def builder(engine: None, workdir: Path) -> images.Builder:
    logs = workdir / "image-builds"
    logs.mkdir()
    return images.Builder(logs)


@pytest.fixture(scope="module")
def compose_stack(
    request: pytest.FixtureRequest,
    builder: images.Builder,
    workdir: Path,
) -> Iterator[ComposeStack]:
    """The module's example stack (EXAMPLE), built, up and healthy; `down -v` at the end."""
    example: str = request.module.EXAMPLE
    generate = getattr(request.module, "GENERATE", None)
    stack = ComposeStack.prepare(example, workdir / "stacks", generate)
    start = time.monotonic()
    builder.ensure(images.images_of_stack(stack.dir))
    stack.timings["stand-in images"] = round(time.monotonic() - start, 1)
    try:
        stack.compose("down", "--volumes", "--remove-orphans")  # what a killed run left
        stack.build()
        stack.up()
        yield stack
    finally:
        try:
            stack.down()
        finally:
            TIMINGS[stack.example] = dict(stack.timings)


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.when == "call" and call.excinfo is not None:
        item.stash[FAILED] = True


FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if request.node.stash.get(FAILED, False) and "compose_stack" in request.fixturenames:
        stack: ComposeStack = request.getfixturevalue("compose_stack")
        names = sorted({row["Service"] for row in stack.services()}) if not stack.down_done else []
        print(stack.diagnose(names))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.write_sep("-", "container suite timings (seconds)")
        terminalreporter.write_line(json.dumps(TIMINGS, indent=1))
