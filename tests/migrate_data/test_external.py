"""Failures outside the program are one line naming the endpoint, exit 4, never "a bug":
an unreachable endpoint, a server's error answer, a CQL cluster with no host up."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cloudexit_ci.main import main
from tests.migrate_data.helpers import create_table, ddb, name


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: ") and "bug" not in line and "internal" not in line
    return line


@pytest.mark.parametrize("kind", ["dynamodb", "s3"])
def test_an_unreachable_endpoint_is_exit_4_naming_it(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"http://127.0.0.1:{_closed_port()}"
    what = ["--source-table", "t"] if kind == "dynamodb" else ["--source-bucket", "b"]
    argv = ["migrate-data", kind, *what, "--source-endpoint", source,
            "--target-endpoint", "http://127.0.0.1:9", "--state-dir", str(tmp_path)]  # fmt: skip
    assert main(argv) == 4
    line = _one_line(capsys)
    assert line.startswith(f"error: {source}") and "cannot reach the endpoint" in line
    assert "(fix: check that the endpoint is up" in line


@pytest.mark.servers
def test_a_server_error_answer_is_exit_4_with_the_servers_words(
    dynamodb_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["migrate-data", "dynamodb", "--source-table", "ab",  # too short: a 400 answer
            "--source-endpoint", dynamodb_endpoint, "--target-endpoint", dynamodb_endpoint,
            "--state-dir", str(tmp_path)]  # fmt: skip
    assert main(argv) == 4
    line = _one_line(capsys)
    assert line.startswith(f"error: {dynamodb_endpoint}")
    assert "DescribeTable answered HTTP 400 ValidationException" in line


@pytest.mark.servers
def test_a_cql_cluster_with_no_host_up_names_the_hosts(
    dynamodb_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("cassandra")
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", 9042)) == 0:
            pytest.skip("a CQL server listens on 127.0.0.1:9042")
    client, table = ddb(dynamodb_endpoint), name("cqlx")
    create_table(client, table)
    argv = ["migrate-data", "dynamodb", "--source-table", table,
            "--source-endpoint", dynamodb_endpoint, "--target-mode", "cql",
            "--target-keyspace", "app", "--target-hosts", "127.0.0.1",
            "--state-dir", str(tmp_path)]  # fmt: skip
    assert main(argv) == 4
    line = _one_line(capsys)
    assert line.startswith("error: cql://127.0.0.1:9042: CQL: ")


def test_only_failures_outside_the_program_are_external() -> None:
    from cloudexit_ci.errors import ExternalError
    from cloudexit_ci.migrate_data.external import mark, to_external

    assert to_external(PermissionError("state dir"), "both") is None  # a local file: not ours
    assert to_external(KeyError("Items"), "both") is None  # a bug stays a bug
    marked = to_external(mark(OSError("Scan: refused"), "http://db:8000"), "both")
    assert isinstance(marked, ExternalError) and marked.where == "http://db:8000"
    unmarked = to_external(ConnectionRefusedError("refused"), "items: AWS → http://x")
    assert isinstance(unmarked, ExternalError) and unmarked.where == "items: AWS → http://x"
