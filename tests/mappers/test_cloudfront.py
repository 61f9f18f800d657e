"""CloudFront: S3 origins of the stack served by nginx from the object store; others reported."""

from __future__ import annotations

from pathlib import Path

from syrupy.assertion import SnapshotAssertion

from tests.mappers.helpers import stack_of, status, view

HCL = """
resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}
resource "aws_s3_bucket" "media" {
  bucket = "acme-media"
}
resource "aws_cloudfront_origin_access_control" "oac" {
  name                              = "site"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}
resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  aliases             = ["www.example.org"]
  default_root_object = "index.html"
  web_acl_id          = "arn:aws:wafv2:x"
  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.oac.id
  }
  origin {
    origin_id   = "media"
    domain_name = aws_s3_bucket.media.bucket_regional_domain_name
  }
  origin {
    origin_id   = "api"
    domain_name = "api.example.org"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id       = "site"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
    compress               = true
    function_association {
      event_type   = "viewer-request"
      function_arn = "arn:aws:cloudfront::1:function/x"
    }
  }
  ordered_cache_behavior {
    path_pattern           = "/media/*"
    target_origin_id       = "media"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
  }
  ordered_cache_behavior {
    path_pattern           = "/api/*"
    target_origin_id       = "api"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "redirect-to-https"
  }
  custom_error_response {
    error_code         = 404
    response_code      = 200
    response_page_path = "/index.html"
  }
  restrictions {
    geo_restriction {
      restriction_type = "whitelist"
      locations        = ["DE"]
    }
  }
  viewer_certificate {
    acm_certificate_arn = "arn:aws:acm:us-east-1:1:certificate/x"
    ssl_support_method  = "sni-only"
  }
}
resource "aws_cloudfront_distribution" "external" {
  enabled = true
  origin {
    origin_id   = "shop"
    domain_name = "shop.example.net"
  }
  default_cache_behavior {
    target_origin_id       = "shop"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    viewer_protocol_policy = "allow-all"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
"""


def test_cloudfront_snapshot(tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    stack = stack_of(tmp_path, HCL)
    data = view(stack, ("cdn-site", "cdn-site-init"))
    data["nginx"] = stack.extra_files["cdn/cdn-site/default.conf"].data
    assert data == snapshot


def test_cloudfront_mapping(tmp_path: Path) -> None:
    stack = stack_of(tmp_path, HCL)
    site = next(c for c in stack.coverage if c.origin.address == "aws_cloudfront_distribution.site")
    assert site.status == "partial" and "www.example.org" in site.reason
    lost = " ".join(site.lost)
    for word in ("edge caching", "CloudFront Functions", "geo restriction", "WAF", "api ("):
        assert word in lost
    assert status(stack, "aws_cloudfront_distribution.external") == "unmapped"
    external = next(c for c in stack.coverage if c.origin.address.endswith(".external"))
    assert "shop.example.net" in external.reason
    assert status(stack, "aws_cloudfront_origin_access_control.oac") == "unmapped"
    service = stack.services["cdn-site"]
    assert service.image == "nginx:1.28.0-alpine" and not service.ports
    assert {d.service for d in service.depends_on} == {"s3-init", "cdn-site-init"}
    init = stack.services["cdn-site-init"]
    assert "mc anonymous set download local/acme-media" in init.entrypoint[-1]
    conf = stack.extra_files["cdn/cdn-site/default.conf"].data
    assert [b["bucket"] for b in conf["behaviours"]] == ["acme-media", "acme-site"]
    router = next(r for r in stack.http_routes if r.name == "cdn-site")
    assert router.hosts == ("www.example.org",) and router.backend == "cdn-site"
    assert "Host(`www.example.org`)" in view(stack)["files"]["traefik/dynamic/cdn-site.yml"]


def test_generated_compose_is_valid(tmp_path: Path) -> None:
    """The whole stack (minio, s3-init, the grant job, nginx, Traefik) for docker-compose."""
    import os
    import subprocess

    from cloudexit_ci import yamlio
    from cloudexit_ci.render import compose
    from tests.servers import tool

    stack = stack_of(tmp_path, HCL)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yamlio.dump(compose.compose_document(stack), header="test"))
    env = dict(os.environ) | {name: "dummy-value-123" for name in stack.env_vars}
    done = subprocess.run(
        [tool("docker-compose"), "-f", str(path), "config", "-q"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 0 and "level=warning" not in done.stderr, done.stderr
    done = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
