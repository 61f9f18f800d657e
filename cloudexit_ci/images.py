"""The catalogue of every image the generated stack uses, pinned: one place to bump them.

Plain data, importable by every layer: mappers pick the image of a data service they
describe, targets the images of the services they build.
"""

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
    "nodejs24.x": "node:24.11.0-alpine3.22",
}
PYTHON: dict[str, str] = {
    "python3.9": "python:3.9.23-slim-bookworm",
    "python3.10": "python:3.10.18-slim-bookworm",
    "python3.11": "python:3.11.13-slim-bookworm",
    "python3.12": "python:3.12.11-slim-bookworm",
    "python3.13": "python:3.13.7-slim-bookworm",
    "python3.14": "python:3.14.0-slim-trixie",
}


def runtime_image(runtime: str) -> str:
    return NODE.get(runtime) or PYTHON[runtime]


# Estate services (issue 6): databases, caches, queues, identity. Pinned tags.
POSTGRES: dict[str, str] = {
    "13": "postgres:13.22-bookworm",
    "14": "postgres:14.19-bookworm",
    "15": "postgres:15.14-bookworm",
    "16": "postgres:16.10-bookworm",
    "17": "postgres:17.6-bookworm",
}
POSTGRES_DEFAULT = "16"
MYSQL: dict[str, str] = {
    "5.7": "mysql:5.7.44",
    "8.0": "mysql:8.0.43",
    "8.4": "mysql:8.4.6",
}
MYSQL_DEFAULT = "8.0"
MARIADB: dict[str, str] = {
    "10.6": "mariadb:10.6.23",
    "10.11": "mariadb:10.11.14",
    "11.4": "mariadb:11.4.8",
    "11.8": "mariadb:11.8.3",
}
MARIADB_DEFAULT = "10.11"
VALKEY = "valkey/valkey:8.1.3-alpine"
MEMCACHED = "memcached:1.6.39-alpine"
ELASTICMQ = "softwaremill/elasticmq-native:1.6.14"
WEBSOCKET_PYTHON = "python:3.12.11-slim-bookworm"  # the WebSocket gateway (+ websockets)
WEBSOCKETS_PACKAGE = "websockets==15.0.1"  # pinned; installed in the gateway's image
POLLER_PYTHON = "python:3.12.11-slim-bookworm"
POLLER_BOTO3 = "boto3==1.40.30"
KEYCLOAK = "quay.io/keycloak/keycloak:26.3.3"
SNS_PYTHON = "python:3.12.11-slim-bookworm"  # the SNS fan-out script (standard library only)
INVOKE_PYTHON = "python:3.12.11-slim-bookworm"  # the Lambda Invoke API (standard library only)
EVENTS_PYTHON = "python:3.12.11-slim-bookworm"  # the EventBridge PutEvents service (stdlib)
NGINX = "nginx:1.28.0-alpine"  # CloudFront S3 origins served from the object store
