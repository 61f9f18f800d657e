"""SigV4-signed form POSTs to the stack's AWS-compatible servers (ElasticMQ, the SNS fan-out),
shared by the generated services that send them (sns_fanout.py, eventbridge.py): copied
beside each of them into its own directory, standard library only."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import urllib.parse
import urllib.request


def post(url: str, data: bytes, headers: dict[str, str], timeout: float = 30) -> None:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        reply.read()


def sigv4(url: str, body: bytes, service: str) -> dict[str, str]:
    """SigV4 headers for a form POST. ElasticMQ accepts any credentials; servers that
    route by the signature's scope (moto) need one. Keys from the environment."""
    parts = urllib.parse.urlsplit(url)
    stamp = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = stamp.strftime("%Y%m%dT%H%M%SZ"), stamp.strftime("%Y%m%d")
    region = os.environ.get("AWS_REGION", "us-east-1")
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "elasticmq")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "elasticmq")
    kind = "application/x-www-form-urlencoded; charset=utf-8"
    signed = "content-type;host;x-amz-date"
    canonical = "\n".join(
        ["POST", parts.path or "/", parts.query, f"content-type:{kind}",
         f"host:{parts.netloc}", f"x-amz-date:{amz_date}", "", signed,
         hashlib.sha256(body).hexdigest()]
    )  # fmt: skip
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": kind,
        "Host": parts.netloc,
        "X-Amz-Date": amz_date,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}",
    }
