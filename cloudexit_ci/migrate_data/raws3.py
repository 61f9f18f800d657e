"""Single-object S3 copies as raw signed GET and PUT over a pooled urllib3 session.

botocore spends ~1.5 ms of CPU per small-object request (event hooks, model-driven
serialization and parsing); on a 2-core machine that CPU is taken from the
S3 server itself. Here a copy is one GET whose body and kept headers
(Content-Type, Cache-Control, Content-Disposition, Content-Encoding,
Content-Language, Expires, every ``x-amz-meta-*``) are passed verbatim to one
PUT. Bodies are not decoded (``decode_content=False``), so a gzip-encoded
object is copied byte for byte. Listing and multipart uploads stay on botocore.

Errors look like botocore's (``ClientError`` with the S3 error code and the HTTP
status); transport failures, short bodies included, become ``OSError``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

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

    def _send(
        self, method: str, bucket: str, key: str, body: bytes, headers: dict[str, str]
    ) -> Any:
        import urllib3
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest

        url = f"{self.url}/{quote(bucket, safe='')}/{quote(key, safe='/~')}"
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        S3SigV4Auth(self.frozen(), "s3", self.region).add_auth(request)
        try:
            answer = self._http.request(
                method,
                url,
                body=body if method == "PUT" else None,
                headers=dict(request.headers.items()),
                decode_content=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise OSError(f"{method} {bucket}/{key}: {exc}") from exc
        if answer.status != 200:
            raise _client_error(method, answer.status, answer.data)
        return answer

    def get(self, bucket: str, key: str) -> tuple[bytes, dict[str, str]]:
        """The body and the headers a copy keeps."""
        got = self._send("GET", bucket, key, b"", {})
        body = bytes(got.data)
        declared = got.headers.get("content-length")
        if declared is not None and int(declared) != len(body):
            raise OSError(f"GET {bucket}/{key}: short body")
        headers = {
            name: value
            for name, value in got.headers.items()
            if name.lower() in KEPT or name.lower().startswith("x-amz-meta-")
        }
        return body, headers

    def put(self, bucket: str, key: str, body: bytes, headers: dict[str, str]) -> str:
        """PUT one object; its ETag without quotes."""
        answer = self._send("PUT", bucket, key, body, headers)
        return str(answer.headers.get("etag", "")).strip('"')


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
