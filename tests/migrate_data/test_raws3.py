"""Raw S3 GET/PUT copies: awkward keys, every kept header, encoded bodies, byte for byte."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cloudexit_ci.migrate_data import retry
from cloudexit_ci.migrate_data.clients import Endpoint
from cloudexit_ci.migrate_data.plan import BucketJob
from cloudexit_ci.migrate_data.raws3 import _client_error
from cloudexit_ci.migrate_data.runner import Settings, run_job
from tests.migrate_data.helpers import name, s3

KEYS = [
    "plain.txt",
    "with space/and+plus.txt",
    "ünïcode/键 ✓.bin",
    "a%20b~c(d)!*'.x",
    "deep/" * 8 + "leaf",
]


def test_errors_look_like_botocore() -> None:
    slow = _client_error("PUT", 503, b"<Error><Code>SlowDown</Code><Message>m</Message></Error>")
    assert retry.is_retryable(slow)
    denied = _client_error("GET", 403, b"<Error><Code>AccessDenied</Code></Error>")
    assert not retry.is_retryable(denied) and "AccessDenied" in str(denied)


@pytest.mark.servers
@pytest.mark.parametrize("raw_http", [True, False])
def test_headers_and_keys_survive(s3_endpoint: str, tmp_path: Path, raw_http: bool) -> None:
    client = s3(s3_endpoint)
    src, dst = name("rawsrc"), name("rawdst")
    client.create_bucket(Bucket=src)
    zipped = gzip.compress(b"hello " * 1000)
    for n, key in enumerate(KEYS):
        client.put_object(
            Bucket=src,
            Key=key,
            Body=zipped + bytes([n]),
            ContentType="application/x-test",
            ContentEncoding="gzip",
            CacheControl="max-age=60",
            ContentDisposition='attachment; filename="x.bin"',
            ContentLanguage="fr",
            Metadata={"origin": f"n{n}", "two-words": "a b"},
        )
    endpoint = Endpoint(s3_endpoint)
    job = BucketJob("b", src, dst, endpoint, endpoint, "seaweedfs")
    run_job(job, Settings(tmp_path, progress="none", workers=4, raw_http=raw_http))
    for n, key in enumerate(KEYS):
        want = client.get_object(Bucket=src, Key=key)
        got = client.get_object(Bucket=dst, Key=key)
        assert got["Body"].read() == zipped + bytes([n]) == want["Body"].read(), key
        for field in ("ContentType", "ContentEncoding", "CacheControl", "ContentDisposition",
                      "ContentLanguage", "Metadata"):  # fmt: skip
            assert got.get(field) == want.get(field), (key, field)


@pytest.mark.servers
def test_raw_listing_matches_botocore(s3_endpoint: str) -> None:
    """Pages, StartAfter, continuation and awkward keys: the same keys, sizes, ETags."""
    from cloudexit_ci.migrate_data.raws3 import RawS3
    from cloudexit_ci.migrate_data.s3 import list_objects

    client = s3(s3_endpoint)
    bucket = name("rawlist")
    client.create_bucket(Bucket=bucket)
    keys = [*KEYS, "a&b<c>.txt", "tab\there", "p/q%2Fr+s"]
    for n, key in enumerate(keys):
        client.put_object(Bucket=bucket, Key=key, Body=b"x" * n)
    raw = RawS3(Endpoint(s3_endpoint), pool=4)
    for after in (None, keys[0], sorted(keys)[3]):
        want = [
            [(o["Key"], o["Size"], o["ETag"]) for o in page]
            for page in list_objects(client, bucket, after, page_size=3)
        ]
        got = [
            [(o["Key"], o["Size"], o["ETag"]) for o in page]
            for page in list_objects(raw, bucket, after, page_size=3)
        ]
        assert got == want and sum(map(len, got)) > 0, after


def test_listing_parse_unescapes_like_xml() -> None:
    from cloudexit_ci.migrate_data.raws3 import parse_listing

    answer = parse_listing(
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        b"<Name>b</Name><IsTruncated>true</IsTruncated>"
        b"<Contents><Key>a&amp;b&lt;&#x80;&#233;\xc3\xa9</Key><LastModified>x</LastModified>"
        b"<ETag>&quot;abc&quot;</ETag><Size>12</Size><Owner><ID>o</ID></Owner></Contents>"
        b"<Contents><Size>0</Size><ETag>&#34;d&#34;</ETag><Key>k%2F+x</Key></Contents>"
        b"<NextContinuationToken>t&amp;1</NextContinuationToken></ListBucketResult>"
    )
    assert answer["Contents"] == [
        {"Key": "a&b<\x80éé", "Size": 12, "ETag": '"abc"'},
        {"Key": "k%2F+x", "Size": 0, "ETag": '"d"'},
    ]
    assert answer["IsTruncated"] and answer["NextContinuationToken"] == "t&1"
    encoded = parse_listing(
        b"<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
        b"<Contents><Key>k%2F+x</Key><Size>1</Size><ETag>e</ETag></Contents></ListBucketResult>"
    )
    assert encoded["Contents"][0]["Key"] == "k/ x" and not encoded["IsTruncated"]
    assert "NextContinuationToken" not in encoded


def _canned(answers: list[bytes]) -> tuple[str, int]:
    """A loopback server answering each request on one connection with the next answer."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("rb") as reader:
            for answer in answers:
                while reader.readline() not in (b"\r\n", b""):
                    pass
                conn.sendall(answer)
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return "127.0.0.1", listener.getsockname()[1]


def test_connection_reads_answers_like_http11() -> None:
    from cloudexit_ci.migrate_data.raws3 import _Connection

    host, port = _canned(
        [
            b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nETag: "e"\r\n'
            b"Content-Length: 3\r\nX-Amz-Meta-A: one\r\n  two\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"2;x=y\r\nhe\r\n3\r\nllo\r\n0\r\nTrailer: t\r\n\r\n",
            b"HTTP/1.1 503 Slow Down\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno",
        ]
    )
    conn = _Connection(host, port, 5, None)
    status, got, data, close = conn.exchange("GET", "/b/k", {"host": "h"}, b"")
    assert (status, data, close) == (200, b"abc", False)
    assert ("X-Amz-Meta-A", "one two") in got and ("ETag", '"e"') in got
    assert conn.exchange("GET", "/b/k", {"host": "h"}, b"")[2] == b"hello"
    status, _, data, close = conn.exchange("GET", "/b/k", {"host": "h"}, b"")
    assert (status, data, close) == (503, b"no", True)
    conn.close()


def test_connection_short_body_is_a_transport_error() -> None:
    from cloudexit_ci.migrate_data.raws3 import _Connection

    host, port = _canned([b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc"])
    conn = _Connection(host, port, 5, None)
    with pytest.raises(OSError, match="short body"):
        conn.exchange("GET", "/b/k", {"host": "h"}, b"")
    conn.close()
    with pytest.raises(ValueError, match="line break"):
        _Connection(*_canned([]), 5, None).exchange("PUT", "/b/k", {"x": "a\r\nb: c"}, b"x")
