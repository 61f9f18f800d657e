from __future__ import annotations

import shutil

import pytest

from tests.e2e.stack import Endpoints

NODE_MISSING = shutil.which("node") is None


@pytest.fixture(scope="session")
def endpoints(dynamodb_endpoint: str, s3_endpoint: str) -> Endpoints:
    return Endpoints(dynamodb=dynamodb_endpoint, s3=s3_endpoint)
