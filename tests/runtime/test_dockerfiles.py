"""Render the function Dockerfile templates with StrictUndefined and check key lines."""

from __future__ import annotations

import json
from typing import Any

import jinja2
import pytest

from tests.servers import REPO

TEMPLATES = REPO / "templates" / "function"
FUNCTIONS = [
    {"name": "create-item", "code_kind": "zip", "code_path": "create.zip", "code_dir": "create"},
    {"name": "get-item", "code_kind": "dir", "code_path": "src/get", "code_dir": "get-item"},
    {"name": "odd name", "code_kind": "file", "code_path": "a b/x.js", "code_dir": "odd"},
]


def render(name: str, **values: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(name).render(**values)


def copy_args(text: str) -> list[list[str]]:
    """The JSON-array arguments of every `COPY --from=code [...]` line."""
    prefix = "COPY --from=code "
    return [json.loads(x[len(prefix) :]) for x in text.splitlines() if x.startswith(prefix)]


def test_node_dockerfile() -> None:
    text = render(
        "Dockerfile.node.j2",
        base_image="node:18.20.8-alpine3.21",
        runtime="nodejs18.x",
        sdk="v3",
        functions=FUNCTIONS,
        uid=10001,
    )
    lines = text.splitlines()
    assert lines.count("FROM node:18.20.8-alpine3.21") == 1
    assert "FROM node:18.20.8-alpine3.21 AS unpack" in lines
    assert "apt-get" not in text  # BusyBox unzip on alpine
    for pkg in ("client-dynamodb", "lib-dynamodb", "client-s3", "client-sqs", "client-sns"):
        assert f"@aws-sdk/{pkg}@3.758.0" in text
    assert "@aws-sdk/client-secrets-manager@3.758.0" in text
    assert "@aws-sdk/s3-request-presigner@3.758.0" in text
    assert "ENV NODE_PATH=/opt/cloudexit/sdk/node_modules \\" in lines
    assert "COPY cloudexit-shim.cjs config.json /opt/cloudexit/" in lines
    assert copy_args(text) == [
        ["create.zip", "/unpack/create/.cloudexit-code.zip"],
        ["src/get/", "/unpack/get-item/"],
        ["a b/x.js", "/unpack/odd/"],
    ]
    assert "USER 10001:10001" in lines and "EXPOSE 8080" in lines
    assert "HEALTHCHECK" not in text
    assert lines[-1] == 'CMD ["node", "/opt/cloudexit/cloudexit-shim.cjs"]'


def test_node16_sdk_v2_on_debian() -> None:
    text = render(
        "Dockerfile.node.j2",
        base_image="node:16.20.2-bullseye-slim",
        runtime="nodejs16.x",
        sdk="v2",
        functions=FUNCTIONS[:1],
        uid=10001,
    )
    assert "aws-sdk@2.1693.0" in text and "@aws-sdk/" not in text
    assert "apt-get install -y --no-install-recommends unzip" in text


def test_python_dockerfile() -> None:
    text = render(
        "Dockerfile.python.j2",
        base_image="python:3.12.10-slim-bookworm",
        runtime="python3.12",
        sdk="boto3",
        functions=FUNCTIONS[:2],
        uid=10001,
    )
    lines = text.splitlines()
    assert "RUN pip install --no-cache-dir --disable-pip-version-check boto3==1.44.8" in lines
    extract = 'python -m zipfile -e "$z" "$(dirname "$z")" && rm "$z"; \\'
    assert extract in [x.strip() for x in lines]
    assert "COPY cloudexit_shim.py config.json /opt/cloudexit/" in lines
    assert "USER 10001:10001" in lines
    assert lines[-1] == 'CMD ["python", "/opt/cloudexit/cloudexit_shim.py"]'


@pytest.mark.parametrize("missing", ["base_image", "sdk", "functions", "uid"])
def test_strict_undefined(missing: str) -> None:
    values: dict[str, Any] = {
        "base_image": "python:3.12.10-slim-bookworm",
        "runtime": "python3.12",
        "sdk": "boto3",
        "functions": FUNCTIONS,
        "uid": 10001,
    }
    del values[missing]
    with pytest.raises(jinja2.UndefinedError):
        render("Dockerfile.python.j2", **values)


def test_unknown_sdk_fails() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render(
            "Dockerfile.node.j2",
            base_image="node:20.19.2-alpine3.21",
            runtime="nodejs20.x",
            sdk="v4",
            functions=FUNCTIONS,
            uid=10001,
        )


@pytest.mark.parametrize(
    "template",
    ["Dockerfile.python.j2", "Dockerfile.node.j2"],
)
def test_every_from_line_is_well_formed(template: str) -> None:
    base = "python:3.12.10-slim-bookworm" if "python" in template else "node:18.20.8-alpine3.21"
    sdk = "boto3" if "python" in template else "v3"
    text = render(template, base_image=base, runtime="x", sdk=sdk, functions=FUNCTIONS, uid=1)
    froms = [x for x in text.splitlines() if x.startswith("FROM ")]
    assert froms == [f"FROM {base} AS unpack", f"FROM {base}"]
