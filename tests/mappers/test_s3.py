"""S3 companions that only keep a bucket private are not-needed; the others report a loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mappers.helpers import stack_of, status

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "acme-b"\n}\n'


@pytest.mark.parametrize(
    ("companion", "expected"),
    [
        ('resource "aws_s3_bucket_acl" "x" {\n bucket = aws_s3_bucket.b.id\n acl = "private"\n}',
         "not-needed"),
        ('resource "aws_s3_bucket_acl" "x" {\n bucket = aws_s3_bucket.b.id\n'
         ' acl = "public-read"\n}',
         "unmapped"),
        ('resource "aws_s3_bucket_ownership_controls" "x" {\n bucket = aws_s3_bucket.b.id\n'
         ' rule {\n object_ownership = "BucketOwnerEnforced"\n }\n}', "not-needed"),
        ('resource "aws_s3_bucket_public_access_block" "x" {\n bucket = aws_s3_bucket.b.id\n'
         ' block_public_acls = true\n block_public_policy = true\n ignore_public_acls = true\n'
         ' restrict_public_buckets = true\n}', "not-needed"),
        ('resource "aws_s3_bucket_public_access_block" "x" {\n bucket = aws_s3_bucket.b.id\n'
         ' block_public_acls = true\n block_public_policy = false\n}', "unmapped"),
    ],
)  # fmt: skip
def test_companions_that_keep_the_bucket_private(
    tmp_path: Path, companion: str, expected: str
) -> None:
    stack = stack_of(tmp_path, BUCKET + companion)
    kind = companion.split('"')[1]
    assert status(stack, f"{kind}.x") == expected
