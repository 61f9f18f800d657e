from __future__ import annotations

import pytest

from cloudexit_ci.report import Report
from tests.reporters.canonical import canonical_report


@pytest.fixture
def report() -> Report:
    return canonical_report()
