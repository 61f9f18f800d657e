from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests import servers


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """A real DynamoDB Local for the whole session."""
    with servers.dynamodb_local() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real SeaweedFS S3 gateway for the whole session."""
    with servers.seaweedfs() as url:
        yield url


@pytest.fixture(autouse=True)
def _aws_test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials so no test can reach real AWS with a developer's keys."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
