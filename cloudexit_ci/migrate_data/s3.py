"""S3 → MinIO / SeaweedFS: paginated listing, parallel copy, multipart above a threshold.

The source is listed in key order, one page (≤ 1000 keys) at a time. For each
page the target is listed over the same key range; an object whose size and
checksum (ETag, or the ETag recorded when we copied it) already match is
skipped. The rest are copied in parallel, while the next page is listed; once
the whole page is stored (and every page before it) its last key is
checkpointed, so --resume lists from there and a finished re-run copies nothing.
"""

from __future__ import annotations

import functools
import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data import hooks, retry
from cloudexit_ci.migrate_data.checkpoint import Checkpoint
from cloudexit_ci.migrate_data.progress import Progress
from cloudexit_ci.migrate_data.s3keys import invalid_reason

KEPT_HEADERS = (
    "ContentType",
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "Metadata",
)
MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10_000


@dataclass(frozen=True)
class S3Options:
    source_bucket: str
    target_bucket: str
    workers: int = 16
    multipart_threshold: int = 64 * 1024 * 1024
    part_size: int = 16 * 1024 * 1024
    target_kind: str = "minio"
    page_size: int = 1000


def etag(value: str) -> str:
    return value.strip('"')


def list_objects(
    client: Any, bucket: str, start_after: str | None = None, page_size: int = 1000
) -> Iterator[list[dict[str, Any]]]:
    """Pages of ``{Key, Size, ETag}`` in key order, starting after ``start_after``."""
    params: dict[str, Any] = {"Bucket": bucket, "MaxKeys": page_size}
    if start_after:
        params["StartAfter"] = start_after
    while True:
        answer = retry.call(functools.partial(client.list_objects_v2, **params))
        yield list(answer.get("Contents", []))
        token = answer.get("NextContinuationToken")
        if not answer.get("IsTruncated") or not token:
            return
        params["ContinuationToken"] = token


def scan_keys(client: Any, options: S3Options) -> tuple[int, int, list[tuple[str, str]]]:
    """Count and size the source; list the keys the target cannot hold (before copying)."""
    count = size = 0
    invalid: list[tuple[str, str]] = []
    for page in list_objects(client, options.source_bucket, page_size=options.page_size):
        for obj in page:
            count += 1
            size += int(obj["Size"])
            reason = invalid_reason(obj["Key"], int(obj["Size"]), options.target_kind)
            if reason:
                invalid.append((obj["Key"], reason))
    return count, size, invalid


def ensure_bucket(client: Any, bucket: str) -> None:
    try:
        retry.call(lambda: client.head_bucket(Bucket=bucket))
    except Exception as exc:
        status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status not in (404, 403):
            raise
        retry.call(lambda: client.create_bucket(Bucket=bucket))


def target_range(
    client: Any, bucket: str, after: str | None, last: str
) -> dict[str, tuple[int, str]]:
    """Target objects with ``after < key <= last``: key → (size, etag)."""
    found: dict[str, tuple[int, str]] = {}
    for page in list_objects(client, bucket, after):
        for obj in page:
            if obj["Key"] > last:
                return found
            found[obj["Key"]] = (int(obj["Size"]), etag(obj["ETag"]))
    return found


class BucketCopy:
    def __init__(
        self,
        source: Any,
        target: Any,
        options: S3Options,
        checkpoint: Checkpoint,
        progress: Progress,
        raw: tuple[Any, Any] | None = None,
    ):
        self.source = source
        self.target = target
        self.options = options
        self.checkpoint = checkpoint
        self.progress = progress
        self.raw = raw  # (source RawS3, target RawS3): single-object copies without botocore

    def run(self) -> None:
        """Page N+1 is listed (source and target) and queued while page N is copied, so
        the workers never drain at a page boundary; pages are checkpointed in order,
        each once all its objects are stored."""
        after = self.checkpoint.get("after")
        queued: deque[tuple[str, list[Future[None]]]] = deque()
        # Listings go through the raw clients when there are (same answers, no botocore).
        lister, target_lister = self.raw or (self.source, self.target)
        with ThreadPoolExecutor(self.options.workers, "s3-copy") as pool:
            for page in list_objects(
                lister, self.options.source_bucket, after, self.options.page_size
            ):
                if not page:
                    continue
                last = page[-1]["Key"]
                have = target_range(target_lister, self.options.target_bucket, after, last)
                todo = [
                    o for o in page if self._wanted(o) and not self._same(o, have.get(o["Key"]))
                ]
                self.progress.add(0, 0, skipped=len(page) - len(todo))
                queued.append((last, [pool.submit(self._copy, obj) for obj in todo]))
                after = last
                while len(queued) > 1:
                    self._settle(*queued.popleft())
            while queued:
                self._settle(*queued.popleft())
        self.checkpoint.update(done=True)

    def _settle(self, last: str, futures: list[Future[None]]) -> None:
        for future in futures:
            future.result()
        self.checkpoint.update(after=last)

    def _wanted(self, obj: dict[str, Any]) -> bool:
        return invalid_reason(obj["Key"], int(obj["Size"]), self.options.target_kind) is None

    def _same(self, obj: dict[str, Any], have: tuple[int, str] | None) -> bool:
        if have is None or have[0] != int(obj["Size"]):
            return False
        source_tag = etag(obj["ETag"])
        recorded = self.checkpoint.get("etags", {}).get(obj["Key"])
        return have[1] == source_tag or recorded == [source_tag, have[1]]

    def _copy(self, obj: dict[str, Any]) -> None:
        key, size = obj["Key"], int(obj["Size"])
        if size > self.options.multipart_threshold:
            new_tag = self._multipart(key, size)
        else:
            new_tag = self._single(key)
        source_tag = etag(obj["ETag"])
        if new_tag != source_tag:
            self.checkpoint.update_in("etags", key, [source_tag, new_tag])
        self.progress.add(1, size)
        hooks.maybe_kill("batch")

    def _head_fields(self, answer: dict[str, Any]) -> dict[str, Any]:
        return {name: answer[name] for name in KEPT_HEADERS if answer.get(name) is not None}

    def _single(self, key: str) -> str:
        if self.raw is not None:
            reader, writer = self.raw

            def raw_once() -> str:
                body, headers = reader.get(self.options.source_bucket, key)
                return str(writer.put(self.options.target_bucket, key, body, headers))

            return retry.call(raw_once)

        def once() -> str:
            answer = self.source.get_object(Bucket=self.options.source_bucket, Key=key)
            body = answer["Body"].read()
            put = self.target.put_object(
                Bucket=self.options.target_bucket, Key=key, Body=body, **self._head_fields(answer)
            )
            return etag(put["ETag"])

        return retry.call(once)

    def _multipart(self, key: str, size: int) -> str:
        head = retry.call(
            lambda: self.source.head_object(Bucket=self.options.source_bucket, Key=key)
        )
        bucket = self.options.target_bucket
        upload = retry.call(
            lambda: self.target.create_multipart_upload(
                Bucket=bucket, Key=key, **self._head_fields(head)
            )
        )["UploadId"]
        part = max(self.options.part_size, MIN_PART, math.ceil(size / MAX_PARTS))
        try:
            parts = [
                {"PartNumber": n + 1, "ETag": self._part(key, upload, n + 1, start, size, part)}
                for n, start in enumerate(range(0, size, part))
            ]
            return self._complete(key, upload, parts, size)
        except BaseException:
            self._abort(key, upload)
            raise

    def _complete(self, key: str, upload: str, parts: list[dict[str, Any]], size: int) -> str:
        bucket = self.options.target_bucket
        try:
            done = retry.call(
                lambda: self.target.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
                )
            )
            return etag(done["ETag"])
        except Exception as exc:
            # A retried Complete whose first answer was lost finds the upload gone.
            if getattr(exc, "response", {}).get("Error", {}).get("Code") != "NoSuchUpload":
                raise
            head = self.target.head_object(Bucket=bucket, Key=key)
            if int(head["ContentLength"]) != size:
                raise
            return etag(head["ETag"])

    def _part(self, key: str, upload: str, number: int, start: int, size: int, part: int) -> str:
        end = min(size, start + part) - 1

        def once() -> str:
            answer = self.source.get_object(
                Bucket=self.options.source_bucket, Key=key, Range=f"bytes={start}-{end}"
            )
            data = answer["Body"].read()
            if len(data) != end - start + 1:
                raise OSError(f"{key}: short read of part {number}")
            put = self.target.upload_part(
                Bucket=self.options.target_bucket,
                Key=key,
                UploadId=upload,
                PartNumber=number,
                Body=data,
            )
            return str(put["ETag"])

        return retry.call(once)

    def _abort(self, key: str, upload: str) -> None:
        try:
            self.target.abort_multipart_upload(
                Bucket=self.options.target_bucket, Key=key, UploadId=upload
            )
        except Exception:  # best effort: the original error matters more
            return


def report_invalid(invalid: list[tuple[str, str]], target_kind: str, skip: bool) -> list[str]:
    """Lines naming every key the target cannot hold; a UserError unless ``skip``."""
    lines = [f"cannot copy {key!r} to {target_kind}: {reason}" for key, reason in invalid]
    if invalid and not skip:
        raise UserError(
            f"{len(invalid)} key(s) cannot be stored by the {target_kind} target "
            f"(first: {invalid[0][0]!r}: {invalid[0][1]})",
            where="--source-bucket",
            hint="rename them at the source, or pass --skip-invalid-keys to copy the rest",
        )
    return lines
