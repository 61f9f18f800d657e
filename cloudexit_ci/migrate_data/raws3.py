"""Single-object S3 copies as raw SigV4-signed GET and PUT over kept-alive connections.

botocore spends ~1.5 ms of CPU per small-object request (event hooks, model-driven
serialization and parsing), and urllib3 plus botocore's signer still ~0.9 ms; on a
2-core machine that CPU is taken from the S3 server itself. Here each worker thread
keeps one kept-alive connection (a small HTTP/1.1 exchange of our own, see
:class:`_Connection`) and signs with a few HMACs (the signing key
is cached per day): ~0.4 ms per request (bench/migrate_data_bench.py). A copy is
one GET whose body and kept headers (Content-Type, Cache-Control,
Content-Disposition, Content-Encoding, Content-Language, Expires, every
``x-amz-meta-*``) are passed verbatim to one PUT. Bodies are not decoded, so a
gzip-encoded object is copied byte for byte. ListObjectsV2 is raw too
(:meth:`RawS3.list_objects_v2`, botocore's answer shape, only Key, Size and
ETag): botocore parsed each listed object's LastModified with dateutil, ~0.2 ms
per key, so the two listings of a bucket (the up-front scan, then the copy)
cost more client CPU than the copies' own signing. Multipart uploads stay on
botocore.

Signing follows SigV4 for S3: path-style URI encoded once, every sent header
signed (names lower-cased, values trimmed with inner runs of spaces collapsed),
payload SHA-256 signed, the session token sent and signed when there is one.
Header bytes are latin-1 as on the wire (as http.client also encodes them), so what is
hashed is what is sent.

Errors look like botocore's (``ClientError`` with the S3 error code and the HTTP
status); transport failures, short bodies included, become ``OSError`` and drop
the thread's connection.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

from cloudexit_ci.migrate_data.external import mark
from cloudexit_ci.migrate_data.rawddb import RawHTTP

KEPT = (
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
)
_CODE = re.compile(rb"<Code>([^<]*)</Code>")
_MESSAGE = re.compile(rb"<Message>([^<]*)</Message>")


class RawS3(RawHTTP):
    service = "s3"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        parts = urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._timeout = kwargs.get("timeout", 60)
        self._local = threading.local()
        self._keys: dict[tuple[str, str], bytes] = {}

    def _connection(self) -> _Connection:
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            context = _ssl_context() if self._https else None
            port = self._port or (443 if self._https else 80)
            conn = _Connection(self._host, port, self._timeout, context)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def _signing_key(self, secret: str, day: str) -> bytes:
        found = self._keys.get((secret, day))
        if found is None:
            key = _hmac(("AWS4" + secret).encode(), day)
            for part in (self.region, "s3", "aws4_request"):
                key = _hmac(key, part)
            found = self._keys[(secret, day)] = key
        return found

    def _signed(
        self, method: str, path: str, body: bytes, headers: dict[str, str], query: str = ""
    ) -> dict[str, str]:
        creds = self.frozen()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        day = amz_date[:8]
        out = {name.lower(): value for name, value in headers.items()}
        out.update(
            {
                "host": self._netloc,
                "x-amz-content-sha256": hashlib.sha256(body).hexdigest(),
                "x-amz-date": amz_date,
            }
        )
        if creds.token:
            out["x-amz-security-token"] = creds.token
        names = sorted(out)
        canonical = "\n".join(
            [
                method,
                path,
                query,
                "".join(f"{n}:{' '.join(str(out[n]).split())}\n" for n in names),
                ";".join(names),
                out["x-amz-content-sha256"],
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                amz_date,
                scope,
                hashlib.sha256(canonical.encode("latin-1")).hexdigest(),
            ]
        )
        signature = hmac.new(
            self._signing_key(creds.secret_key, day), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        out["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope}, "
            f"SignedHeaders={';'.join(names)}, Signature={signature}"
        )
        return out

    def _send(
        self,
        method: str,
        bucket: str,
        key: str,
        body: bytes,
        headers: dict[str, str],
        params: dict[str, str] | None = None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        path = f"{self._prefix}/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
        query = "&".join(
            f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}"
            for name, value in sorted((params or {}).items())
        )
        signed = self._signed(method, path, body, headers, query)
        target = f"{path}?{query}" if query else path
        try:
            conn = self._connection()
            status, got, data, will_close = conn.exchange(method, target, signed, body)
            if will_close:
                self._drop()
        except (OSError, ValueError) as exc:
            self._drop()
            raise mark(OSError(f"{method} {bucket}/{key}: {exc}"), self.url) from exc
        if status != 200:
            raise mark(_client_error(method, status, data), self.url)
        return status, got, data

    def get(self, bucket: str, key: str) -> tuple[bytes, dict[str, str]]:
        """The body and the headers a copy keeps."""
        _, got, body = self._send("GET", bucket, key, b"", {})
        headers = {
            name: value
            for name, value in got
            if name.lower() in KEPT or name.lower().startswith("x-amz-meta-")
        }
        return body, headers

    def put(self, bucket: str, key: str, body: bytes, headers: dict[str, str]) -> str:
        """PUT one object; its ETag without quotes."""
        _, got, _ = self._send("PUT", bucket, key, body, headers)
        tag = next((value for name, value in got if name.lower() == "etag"), "")
        return tag.strip('"')

    def list_objects_v2(
        self,
        *,
        Bucket: str,  # botocore's parameter names
        MaxKeys: int = 1000,
        StartAfter: str | None = None,
        ContinuationToken: str | None = None,
    ) -> dict[str, Any]:
        """One ListObjectsV2 page shaped like botocore's answer: ``Contents`` (``Key``,
        ``Size`` as int, ``ETag`` quoted as sent), ``IsTruncated``,
        ``NextContinuationToken``. Keys are asked URL-encoded (as botocore does, so
        keys with characters XML cannot carry survive) and decoded when the answer
        says they are."""
        params = {"list-type": "2", "max-keys": str(MaxKeys), "encoding-type": "url"}
        if StartAfter:
            params["start-after"] = StartAfter
        if ContinuationToken:
            params["continuation-token"] = ContinuationToken
        _, _, data = self._send("GET", Bucket, "", b"", {}, params)
        try:
            return parse_listing(data)
        except OSError as exc:
            raise mark(exc, self.url) from None


def parse_listing(data: bytes) -> dict[str, Any]:
    """A ListObjectsV2 XML answer → botocore's dict shape (only what the copy reads).

    Scanned with regular expressions, not ElementTree: building the tree of a
    1000-key page (~10,000 elements) held the GIL ~10 ms, during which no copy
    worker could run; the answer's structure is flat and fixed (S3's schema), and
    element text is unescaped (character references included) as XML defines."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OSError(f"ListObjectsV2: unreadable answer ({exc})") from exc
    if not _ROOT.search(text):
        raise OSError(f"ListObjectsV2: unexpected answer {text[:200]!r}")
    rest = _CONTENTS.sub("", text)  # the page's own fields, wherever they are placed
    encoded = _field(rest, "EncodingType") == "url"
    contents = []
    for entry in _CONTENTS.findall(text):
        key = _field(entry, "Key") or ""
        contents.append(
            {
                "Key": unquote_plus(key) if encoded else key,
                "Size": int(_field(entry, "Size") or 0),
                "ETag": _field(entry, "ETag") or "",
            }
        )
    answer: dict[str, Any] = {
        "Contents": contents,
        "KeyCount": len(contents),
        "IsTruncated": _field(rest, "IsTruncated") == "true",
    }
    token = _field(rest, "NextContinuationToken")
    if token:
        answer["NextContinuationToken"] = token
    return answer


_ROOT = re.compile(r"<ListBucketResult[\s>]")
_CONTENTS = re.compile(r"<Contents>(.*?)</Contents>", re.S)
_FIELDS = {
    name: re.compile(rf"<{name}>([^<]*)</{name}>|<{name}\s*/>")
    for name in ("Key", "Size", "ETag", "EncodingType", "IsTruncated", "NextContinuationToken")
}


def _field(text: str, name: str) -> str | None:
    found = _FIELDS[name].search(text)
    if found is None:
        return None
    return _REFERENCE.sub(_unescape, found.group(1) or "")


_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(match: re.Match[str]) -> str:
    """XML's five entities and character references (``&#NN;``, ``&#xHH;``)."""
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES[name]


class _Connection:
    """One kept-alive HTTP/1.1 connection: a request is one ``sendall``, the answer's
    status line and headers are split by hand (http.client ran every answer's headers
    through the email package's parser and built a new buffered reader per answer:
    client CPU taken from the server on this 2-core machine). Bodies are read by
    Content-Length, chunked, or to the close; anything malformed is an OSError."""

    def __init__(self, host: str, port: int, timeout: float, context: ssl.SSLContext | None):
        sock = socket.create_connection((host, port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                sock = context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def exchange(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """Status, headers (as sent, in order), body, and whether the server closes."""
        lines = [f"{method} {target} HTTP/1.1"]
        for name, value in headers.items():
            if "\r" in value or "\n" in value:
                raise ValueError(f"header {name!r} has a line break")
            lines.append(f"{name}: {value}")
        if method == "PUT":
            lines.append(f"content-length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.sock.sendall(head + body if method == "PUT" else head)
        while True:
            status_line = self.reader.readline(_MAX_LINE)
            if not status_line:
                raise OSError("connection closed before an answer")
            version, code, *_ = status_line.split(None, 2)
            status = int(code)
            got = self._headers()
            if status >= 200 or status == 101:
                break  # 1xx interim answers are skipped
        fields = {name.lower(): value for name, value in got}
        connection = fields.get("connection", "").lower()
        will_close = connection == "close" or (
            version == b"HTTP/1.0" and connection != "keep-alive"
        )
        if method == "HEAD" or status in (204, 304):
            data = b""
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            data = self._chunked()
        elif "content-length" in fields:
            length = int(fields["content-length"])
            data = self.reader.read(length)
            if len(data) != length:
                raise OSError("short body")
        else:
            data, will_close = self.reader.read(), True
        return status, got, data, will_close

    def _headers(self) -> list[tuple[str, str]]:
        got: list[tuple[str, str]] = []
        for _ in range(_MAX_HEADERS):
            line = self.reader.readline(_MAX_LINE)
            if line in (b"\r\n", b"\n"):
                return got
            if not line.endswith(b"\n"):
                raise OSError("answer headers cut short")
            if line[:1] in (b" ", b"\t") and got:  # obsolete line folding
                name, value = got[-1]
                got[-1] = (name, f"{value} {line.decode('latin-1').strip()}")
                continue
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                raise OSError(f"malformed answer header {line[:80]!r}")
            got.append((name.strip(), value.strip()))
        raise OSError("too many answer headers")

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self.reader.readline(_MAX_LINE)
            if not size_line.endswith(b"\n"):
                raise OSError("chunked body cut short")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                self._headers()  # trailers, up to the blank line
                return b"".join(parts)
            chunk = self.reader.read(size + 2)
            if len(chunk) != size + 2:
                raise OSError("chunked body cut short")
            parts.append(chunk[:size])


_MAX_LINE = 65536
_MAX_HEADERS = 200


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _ssl_context() -> ssl.SSLContext:
    bundle = os.environ.get("AWS_CA_BUNDLE")
    return ssl.create_default_context(cafile=bundle or None)


def _client_error(operation: str, status: int, raw: bytes) -> Exception:
    from botocore.exceptions import ClientError

    code = _CODE.search(raw or b"")
    message = _MESSAGE.search(raw or b"")
    response: Any = {
        "Error": {
            "Code": code.group(1).decode() if code else str(status),
            "Message": message.group(1).decode("utf-8", "replace") if message else "",
        },
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error: Exception = ClientError(response, operation)
    return error
