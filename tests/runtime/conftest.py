from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.runtime import harness
from tests.runtime.configs import CONFIGS

RUNTIME_PARAMS = [
    pytest.param("node", marks=pytest.mark.skipif(harness.NODE is None, reason="node missing")),
    "python",
]


@pytest.fixture(params=RUNTIME_PARAMS)
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def shared_shims(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, str], harness.Shim]]:
    """One long-lived shim per (runtime, config kind), started on first use."""
    started: dict[tuple[str, str], harness.Shim] = {}
    with contextlib.ExitStack() as stack:

        def get(runtime: str, kind: str) -> harness.Shim:
            if (runtime, kind) not in started:
                tmp = tmp_path_factory.mktemp(f"{runtime}-{kind}")
                config: dict[str, Any] = CONFIGS[kind](runtime)
                started[runtime, kind] = stack.enter_context(harness.start(runtime, config, tmp))
            return started[runtime, kind]

        yield get
