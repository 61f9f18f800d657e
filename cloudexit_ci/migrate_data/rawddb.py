"""DynamoDB's JSON API over a pooled urllib3 session, SigV4-signed by botocore's signer.

The copy loop only needs Scan and BatchWriteItem, and botocore spends most of
its time there walking the service model to parse and serialize every
attribute value. This client sends and returns the wire JSON as is: items stay
in DynamoDB JSON (``B`` and ``BS`` as base64 text), passed from the source's
Scan answer to the target's BatchWriteItem without a decode/encode round trip,
so the bytes written are exactly the bytes read. Only keys cross into the
botocore form (``B`` as bytes), so checkpoints stay the same whichever client
wrote them.

Errors look like botocore's: a ``ClientError`` carrying the ``__type`` code and
the HTTP status (so :func:`retry.is_retryable` treats throttling and 5xx alike),
and transport failures become ``OSError``. Retrying is left to the callers.
"""

from __future__ import annotations

import json
import os
from typing import Any

from cloudexit_ci.migrate_data.clients import Endpoint, credentials
from cloudexit_ci.migrate_data.external import mark
from cloudexit_ci.migrate_data.wire import WIRE_BYTES, from_wire_item, to_wire_item

TARGET_PREFIX = "DynamoDB_20120810."


class RawHTTP:
    """Credentials, region and a urllib3 pool for one endpoint (shared by the raw clients)."""

    service = "dynamodb"

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        pool: int,
        flag: str = "--source-endpoint",
        timeout: float = 60,
        like: Any = None,
    ):
        """``like``: a botocore client for the same endpoint, whose resolved URL and region
        (AWS_ENDPOINT_URL*, profiles, partitions) are used as they are."""
        import botocore.session
        import urllib3

        region = (
            endpoint.region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1"
        )
        url = endpoint.url or f"https://{self.service}.{region}.amazonaws.com"
        if like is not None:
            url, region = like.meta.endpoint_url, like.meta.region_name
        self.region = region
        self.url = url.rstrip("/")
        explicit = credentials(endpoint, flag)
        if explicit:
            from botocore.credentials import Credentials

            self._credentials: Any = Credentials(
                explicit["aws_access_key_id"], explicit["aws_secret_access_key"]
            )
        elif like is not None and hasattr(like, "_get_credentials"):
            # The botocore client's own (already resolved) credentials: a new session
            # would resolve the environment again (~25 ms per raw client).
            self._credentials = like._get_credentials()
        else:
            self._credentials = botocore.session.get_session().get_credentials()
        if self._credentials is None:
            from botocore.exceptions import NoCredentialsError

            raise NoCredentialsError()
        self._http = urllib3.PoolManager(
            num_pools=2,
            maxsize=max(10, pool),
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=10, read=timeout),
        )

    def frozen(self) -> Any:
        return self._credentials.get_frozen_credentials()


class RawDynamo(RawHTTP):
    """Scan and BatchWriteItem with botocore-like signatures; items in wire JSON form."""

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """One signed request; the parsed JSON answer (plus its length in bytes under
        ``WIRE_BYTES``), or ClientError / OSError."""
        import urllib3
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        data = json.dumps(body, separators=(",", ":")).encode()
        request = AWSRequest(
            method="POST",
            url=self.url + "/",
            data=data,
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": TARGET_PREFIX + operation,
            },
        )
        SigV4Auth(self.frozen(), "dynamodb", self.region).add_auth(request)
        try:
            answer = self._http.request(
                "POST", self.url + "/", body=data, headers=dict(request.headers.items())
            )
        except urllib3.exceptions.HTTPError as exc:
            raise mark(OSError(f"{operation}: {exc}"), self.url) from exc
        if answer.status != 200:
            raise mark(_client_error(operation, answer.status, answer.data), self.url)
        try:
            parsed: dict[str, Any] = json.loads(answer.data)
        except ValueError as exc:
            raise mark(OSError(f"{operation}: unreadable answer ({exc})"), self.url) from exc
        parsed[WIRE_BYTES] = len(answer.data)
        return parsed

    def scan(self, **params: Any) -> dict[str, Any]:
        """Scan; ``ExclusiveStartKey`` in and ``LastEvaluatedKey`` out in botocore form,
        ``Items`` in wire form."""
        body = dict(params)
        if body.get("ExclusiveStartKey") is not None:
            body["ExclusiveStartKey"] = to_wire_item(body["ExclusiveStartKey"])
        page = self.call("Scan", body)
        if page.get("LastEvaluatedKey") is not None:
            page["LastEvaluatedKey"] = from_wire_item(page["LastEvaluatedKey"])
        return page

    def batch_write_item(self, **params: Any) -> dict[str, Any]:
        """BatchWriteItem of wire-form items; ``UnprocessedItems`` come back in wire form."""
        return self.call("BatchWriteItem", params)


def _client_error(operation: str, status: int, raw: bytes) -> Exception:
    from botocore.exceptions import ClientError

    code, message = str(status), raw[:200].decode("utf-8", "replace")
    try:
        parsed = json.loads(raw)
        code = str(parsed.get("__type", code)).rsplit("#", 1)[-1]
        message = str(parsed.get("message") or parsed.get("Message") or message)
    except (ValueError, AttributeError):
        pass
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error: Exception = ClientError(response, operation)
    return error
