"""Keys a target object store cannot hold, found before anything is copied."""

from __future__ import annotations

MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255
TARGET_KINDS = ("minio", "seaweedfs", "s3")


def invalid_reason(key: str, size: int, target_kind: str) -> str | None:
    """Why ``target_kind`` cannot store ``key`` (None when it can)."""
    raw = key.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_KEY_BYTES:
        return f"longer than {MAX_KEY_BYTES} bytes"
    if target_kind == "s3":
        return None
    if "\x00" in key:
        return "contains a NUL character"
    if key.startswith("/"):
        return "starts with '/'"
    if target_kind == "seaweedfs":
        return "'//' in the key" if "//" in key else None
    return _minio_reason(key, size)


def _minio_reason(key: str, size: int) -> str | None:
    """MinIO maps keys to file paths: no empty, '.' or '..' segment, segments ≤ 255 bytes."""
    body = key[:-1] if key.endswith("/") else key
    if key.endswith("/") and size > 0:
        return "ends with '/' but has content (MinIO keeps such keys as folders)"
    for segment in body.split("/"):
        if segment == "":
            return "has an empty path segment ('//')"
        if segment in (".", ".."):
            return f"has a '{segment}' path segment"
        if len(segment.encode()) > MAX_SEGMENT_BYTES:
            return f"has a path segment longer than {MAX_SEGMENT_BYTES} bytes"
    return None
