"""Every image the generated stack uses, pinned. One place to bump them."""

from __future__ import annotations

TRAEFIK = "traefik:v3.3.6"
SCYLLA = "scylladb/scylla:2025.1.4"
MINIO = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"
MINIO_MC = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z"
SEAWEEDFS = "chrislusf/seaweedfs:3.97"
AWS_CLI = "amazon/aws-cli:2.27.50"

NODE: dict[str, str] = {
    "nodejs16.x": "node:16.20.2-alpine3.18",
    "nodejs18.x": "node:18.20.8-alpine3.21",
    "nodejs20.x": "node:20.19.5-alpine3.22",
    "nodejs22.x": "node:22.20.0-alpine3.22",
}
PYTHON: dict[str, str] = {
    "python3.9": "python:3.9.23-slim-bookworm",
    "python3.10": "python:3.10.18-slim-bookworm",
    "python3.11": "python:3.11.13-slim-bookworm",
    "python3.12": "python:3.12.11-slim-bookworm",
    "python3.13": "python:3.13.7-slim-bookworm",
}


def runtime_image(runtime: str) -> str:
    return NODE.get(runtime) or PYTHON[runtime]


def runtime_family(runtime: str) -> str:
    return "node" if runtime.startswith("nodejs") else "python"
