"""The function Dockerfiles: rendered by the product's own Jinja environment, then
built (tests/runtime/dockerbuild.py carries out FROM/COPY/RUN/ENV/WORKDIR/USER/CMD
over real build contexts) to check that every function's handler file ends up
where the shim's config.json says, for both runtimes and both serverless modes.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import subprocess
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import pytest

from cloudexit_ci.main import main
from cloudexit_ci.render.jinja import render as render_template
from cloudexit_ci.targets.functions import EXCLUDED_FROM_IMAGES
from tests.runtime import dockerbuild
from tests.runtime.harness import NODE_SHIM, PY_SHIM
from tests.servers import tool

EXCLUDED = "-name .git -o -name '.env*'"
FUNCTIONS = [
    {"name": "create-item", "code_kind": "zip", "code_path": "create.zip", "code_dir": "create"},
    {"name": "get-item", "code_kind": "dir", "code_path": "src/get", "code_dir": "get-item"},
    {"name": "odd name", "code_kind": "file", "code_path": "a b/x.js", "code_dir": "odd"},
]


def render(name: str, **values: Any) -> str:
    """A function Dockerfile through cloudexit_ci.render.jinja (StrictUndefined)."""
    return render_template(f"function/{name}", **values)


def copy_args(text: str) -> list[list[str]]:
    """The JSON-array arguments of every `COPY --from=code [...]` line (lines end at
    LF only, as Docker reads them: not at U+2028 as str.splitlines() would)."""
    prefix = "COPY --from=code "
    return [json.loads(x[len(prefix) :]) for x in text.split("\n") if x.startswith(prefix)]


def test_node_dockerfile() -> None:
    text = render(
        "Dockerfile.node.j2",
        base_image="node:18.20.8-alpine3.21",
        runtime="nodejs18.x",
        sdk="v3",
        functions=FUNCTIONS,
        uid=10001,
        excluded=EXCLUDED,
        layers=[],
    )
    lines = text.splitlines()
    assert lines.count("FROM node:18.20.8-alpine3.21") == 1
    assert "FROM node:18.20.8-alpine3.21 AS unpack" in lines
    assert "apt-get" not in text  # BusyBox unzip on alpine
    for pkg in ("client-dynamodb", "lib-dynamodb", "client-s3", "client-sqs", "client-sns"):
        assert f"@aws-sdk/{pkg}@3.758.0" in text
    assert "@aws-sdk/client-secrets-manager@3.758.0" in text
    assert "@aws-sdk/s3-request-presigner@3.758.0" in text
    node_path = (
        "/opt/nodejs/node18/node_modules:/opt/nodejs/node_modules:/opt/cloudexit/sdk/node_modules"
    )
    assert f"ENV NODE_PATH={node_path} \\" in lines
    assert 'COPY --from=cloudexit-runtime ["cloudexit-shim.cjs", "/opt/cloudexit/"]' in lines
    assert 'COPY ["config.json", "/opt/cloudexit/"]' in lines
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
        excluded=EXCLUDED,
        layers=[],
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
        excluded=EXCLUDED,
        layers=[],
    )
    lines = text.splitlines()
    assert "RUN pip install --no-cache-dir --disable-pip-version-check boto3==1.44.8" in lines
    extract = 'python -m zipfile -e "$z" "$(dirname "$z")" && rm "$z"; \\'
    assert extract in [x.strip() for x in lines]
    assert 'COPY --from=cloudexit-runtime ["cloudexit_shim.py", "/opt/cloudexit/"]' in lines
    assert 'COPY ["config.json", "/opt/cloudexit/"]' in lines
    assert copy_args(text) == [
        ["create.zip", "/unpack/create/.cloudexit-code.zip"],
        ["src/get/", "/unpack/get-item/"],
    ]
    assert "USER 10001:10001" in lines
    assert lines[-1] == 'CMD ["python", "/opt/cloudexit/cloudexit_shim.py"]'


@pytest.mark.parametrize("missing", ["base_image", "sdk", "functions", "uid", "excluded"])
def test_strict_undefined(missing: str) -> None:
    """The product's environment: a value the template needs and nobody gave fails
    the render instead of leaving an empty line."""
    values: dict[str, Any] = {
        "base_image": "python:3.12.10-slim-bookworm",
        "runtime": "python3.12",
        "sdk": "boto3",
        "functions": FUNCTIONS,
        "uid": 10001,
        "excluded": EXCLUDED,
        "layers": [],
    }
    del values[missing]
    with pytest.raises(jinja2.UndefinedError):
        render("Dockerfile.python.j2", **values)


@pytest.mark.parametrize("template", ["Dockerfile.python.j2", "Dockerfile.node.j2"])
@pytest.mark.parametrize("value", ['a"b', "x\nRUN touch /pwned", "c\\d", "$(id) `id`", "é \u2028"])
def test_hostile_names_and_paths_stay_in_their_lines(template: str, value: str) -> None:
    """Function names and code paths come from Terraform: tojson keeps each inside
    its comment or COPY line, and Docker reads the path back exactly."""
    sdk = "boto3" if "python" in template else "v3"
    values = {
        "base_image": "img:1-alpine",
        "runtime": "x",
        "sdk": sdk,
        "uid": 1,
        "excluded": "-name x",
    }
    fn = {"name": value, "code_kind": "file", "code_path": value, "code_dir": value}
    layer = {"name": value, "kind": "dir", "path": value, "index": 0}
    text = render(template, **values, functions=[fn], layers=[layer])
    plain = render(
        template,
        **values,
        functions=[dict(fn, name="n", code_path="p", code_dir="d")],
        layers=[dict(layer, name="n", path="p")],
    )
    assert text.count("\n") == plain.count("\n")
    assert copy_args(text) == [[value, f"/unpack/{value}/"], [f"{value}/", "/unpack-layers/00/"]]
    assert f"# function {json.dumps(value, ensure_ascii=False)}" in text.split("\n")
    assert f"# layer {json.dumps(value, ensure_ascii=False)}" in text.split("\n")


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
    text = render(
        template,
        base_image=base,
        runtime="x",
        sdk=sdk,
        functions=FUNCTIONS,
        uid=1,
        excluded="-name x",
        layers=[],
    )
    froms = [x for x in text.splitlines() if x.startswith("FROM ")]
    assert froms == [f"FROM {base} AS unpack", f"FROM {base}"]


# ------------------------------------------------------ built over real code ---


class Fn(NamedTuple):
    """A function of the build-context fixture and the file its handler lives in."""

    name: str
    runtime: str
    handler: str
    kind: str  # zip: `filename`; dir / file: archive_file source_dir / source_file
    module: str


CODE = [
    Fn("n-zip", "nodejs20.x", "index.handler", "zip", "index.js"),
    Fn("n-dir", "nodejs20.x", "lib/app.handler", "dir", "lib/app.js"),
    Fn("n-file", "nodejs20.x", "handler.main", "file", "handler.js"),
    Fn("p-zip", "python3.12", "app.handler", "zip", "app.py"),
    Fn("p-dir", "python3.12", "pkg.mod.handler", "dir", "pkg/mod.py"),
    Fn("p-file", "python3.12", "one.handler", "file", "one.py"),
]
SERVICES = {"containerized": len(CODE), "consolidated": 2}  # consolidated: one per runtime
# Layers (aws_lambda_layer_version): name -> (kind, the file it holds under /opt, its text).
LAYERS = {
    "pylib": ("dir", "python/layerlib.py", "LAYER = 'pylib'\n"),
    "pyover": ("zip", "python/layerlib.py", "LAYER = 'pyover'\n"),
    "nodelib": ("zip", "nodejs/node_modules/layerlib/index.js", "exports.layer = 'nodelib';\n"),
}
LAYERS_OF = {"p-zip": ["pylib"], "p-dir": ["pylib", "pyover"], "n-dir": ["nodelib"]}
SHIMS = {"node": NODE_SHIM.read_bytes(), "python": PY_SHIM.read_bytes()}


# Secrets, state and VCS data lying in the code (and next to it in the Terraform folder).
PLANTED = {
    "terraform.tfstate": "STATE-SECRET",
    "terraform.tfstate.backup": "STATE-SECRET",
    "prod.tfvars": "db_password = STATE-SECRET",
    ".env": "SECRET=1",
    ".env.local": "SECRET=2",
    "id.pem": "-----BEGIN PRIVATE KEY-----",
    "x.key": "KEY",
    ".git/HEAD": "ref: refs/heads/main",
    ".git/config": "[remote] url = https://token@example.com",
    ".terraform/providers/p": "provider",
}


def plant(folder: Path) -> None:
    for name, text in PLANTED.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text + "\n")


def marker(fn: Fn) -> str:
    """The handler file's text: names its function, so a sibling's file cannot pass."""
    return f"{'//' if fn.runtime.startswith('node') else '#'} handler of {fn.name}\n"


def terraform_for(fn: Fn, tf: Path) -> str:
    """The function's Terraform; its code written under ``tf`` (zips built here)."""
    ident = fn.name.replace("-", "_")
    src = tf / "src" / fn.name
    (src / fn.module).parent.mkdir(parents=True, exist_ok=True)
    (src / fn.module).write_text(marker(fn))
    (src / "helper.txt").write_text("a sibling file of the handler\n")
    plant(src)
    plant(src / "deep")
    for path in [src, *src.rglob("*")]:  # as a checkout with umask 007 has them:
        path.chmod(0o770 if path.is_dir() else 0o660)  # the image must fix that
    function = [
        f'resource "aws_lambda_function" "{ident}" {{',
        f'  function_name = "{fn.name}"',
        f'  handler = "{fn.handler}"',
        f'  runtime = "{fn.runtime}"',
        '  role = "arn:aws:iam::123456789012:role/x"',
    ]
    if fn.name in LAYERS_OF:
        arns = ", ".join(f"aws_lambda_layer_version.{x}.arn" for x in LAYERS_OF[fn.name])
        function.append(f"  layers = [{arns}]")
    if fn.kind == "zip":
        (tf / "dist").mkdir(exist_ok=True)
        with zipfile.ZipFile(tf / "dist" / f"{fn.name}.zip", "w") as zf:
            entry = zipfile.ZipInfo(fn.module)
            entry.external_attr = 0o660 << 16  # unzip applies it
            zf.writestr(entry, marker(fn))
            for name, text in PLANTED.items():  # as archive_file would pack them
                zf.writestr(name, text)
        return "\n".join([*function, f'  filename = "dist/{fn.name}.zip"', "}", ""])
    source = f"src/{fn.name}" if fn.kind == "dir" else f"src/{fn.name}/{fn.module}"
    archive = [
        f'data "archive_file" "{ident}" {{',
        '  type = "zip"',
        f'  source_{fn.kind} = "${{path.module}}/{source}"',
        f'  output_path = "${{path.module}}/dist/{fn.name}.zip"',
        "}",
    ]
    filename = f"  filename = data.archive_file.{ident}.output_path"
    return "\n".join([*archive, *function, filename, "}", ""])


def layer_for(name: str, tf: Path) -> str:
    """A layer version: a folder packed by archive_file, or a zip of its own."""
    kind, inner, text = LAYERS[name]
    head = [f'resource "aws_lambda_layer_version" "{name}" {{', f'  layer_name = "{name}"']
    if kind == "zip":
        (tf / "dist").mkdir(exist_ok=True)
        with zipfile.ZipFile(tf / "dist" / f"{name}.zip", "w") as zf:
            zf.writestr(inner, text)
            zf.writestr(".env", "SECRET=layer")  # filtered like the code
        return "\n".join([*head, f'  filename = "dist/{name}.zip"', "}", ""])
    (tf / "layers" / name / inner).parent.mkdir(parents=True)
    (tf / "layers" / name / inner).write_text(text)
    plant(tf / "layers" / name)
    archive = [
        f'data "archive_file" "{name}" {{',
        '  type = "zip"',
        f'  source_dir = "${{path.module}}/layers/{name}"',
        f'  output_path = "${{path.module}}/dist/{name}.zip"',
        "}",
    ]
    return "\n".join(
        [*archive, *head, f"  filename = data.archive_file.{name}.output_path", "}", ""]
    )


@pytest.fixture(scope="module")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tf = tmp_path_factory.mktemp("repo") / "terraform"
    tf.mkdir()
    layers = "".join(layer_for(name, tf) for name in LAYERS)
    (tf / "main.tf").write_text(layers + "".join(terraform_for(fn, tf) for fn in CODE))
    plant(tf)
    plant(tf / "dist")
    return tf


def compose_config(compose: Path) -> dict[str, Any]:
    """The real docker-compose's view: build contexts resolved to absolute paths."""
    done = subprocess.run(
        [tool("docker-compose"), "-f", str(compose), "config", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def handler_file(fn_cfg: dict[str, Any], task_root: str, stage: dockerbuild.Stage) -> str:
    """The image path the shim loads the handler from (its own lookup rules)."""
    spec, base = fn_cfg["handler"], posixpath.join(task_root, fn_cfg.get("codeDir") or ".")
    if fn_cfg["runtime"].startswith("python"):
        module = spec.rsplit(".", 1)[0].replace("/", ".").replace(".", "/")
        return posixpath.normpath(posixpath.join(base, module + ".py"))
    slash = spec.rfind("/")
    module = spec[: spec.index(".", slash + 1)]
    candidates = [posixpath.join(base, module + ext) for ext in (".js", ".cjs", ".mjs")]
    found = [c for c in candidates if stage.path(c).is_file()]
    return posixpath.normpath(found[0] if found else candidates[0])


def check_image(stage: dockerbuild.Stage, service: dict[str, Any], context: Path) -> list[str]:
    """The final stage serves what the service's config.json names; the functions served."""
    env = stage.env
    task_root, config_path = env["LAMBDA_TASK_ROOT"], env["CLOUDEXIT_CONFIG"]
    assert stage.workdir == task_root
    assert stage.user == service["user"] == "10001:10001"
    assert stage.path(config_path).read_bytes() == (context / "config.json").read_bytes()
    program, shim = stage.cmd
    assert service["healthcheck"]["test"][1:] == [program, shim, "--healthcheck"]
    assert stage.path(shim).read_bytes() == SHIMS[program]
    assert not list(stage.path(task_root).rglob(".cloudexit-code.zip")), "a zip left unextracted"
    by_name = {fn.name: fn for fn in CODE}
    config = json.loads(stage.path(config_path).read_text())
    for name, fn_cfg in config["functions"].items():
        where = handler_file(fn_cfg, task_root, stage)
        assert stage.path(where).is_file(), f"{name}: no handler file at {where}"
        assert stage.path(where).read_text() == marker(by_name[name]), f"{name}: {where}"
        assert dockerbuild.readable_by_others(stage, where), f"USER cannot read {where}"
        assert not dockerbuild.writable_by_others(stage, where), f"{where} is writable"
    check_layers(stage, sorted(config["functions"]))
    return sorted(config["functions"])


def check_layers(stage: dockerbuild.Stage, served: list[str]) -> None:
    """/opt holds the layers of the functions served, extracted in the order listed (the
    last layer holding a file wins); no /opt layer content for a service without layers."""
    order = list(dict.fromkeys(x for name in served for x in LAYERS_OF.get(name, [])))
    for inner in sorted({LAYERS[x][1] for x in order}):
        want = [LAYERS[x][2] for x in order if LAYERS[x][1] == inner][-1]
        assert stage.path("/opt/" + inner).read_text() == want, (served, inner)
        assert dockerbuild.readable_by_others(stage, "/opt/" + inner)
    if not order:
        assert not stage.path("/opt/python").exists() and not stage.path("/opt/nodejs").exists()


@pytest.mark.parametrize("mode", sorted(SERVICES))
def test_every_handler_lands_where_config_json_says(
    mode: str, terraform: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stack"
    assert main(["migrate", str(terraform), "--output", str(out), "--serverless-mode", mode]) == 0
    services = {
        name: svc
        for name, svc in compose_config(out / "docker-compose.yml")["services"].items()
        if svc.get("labels", {}).get("cloudexit.role") == "function"
    }
    assert len(services) == SERVICES[mode]
    served: list[str] = []
    for name, svc in sorted(services.items()):
        context = Path(svc["build"]["context"])
        named = {k: Path(v) for k, v in svc["build"].get("additional_contexts", {}).items()}
        dockerfile = (context / svc["build"]["dockerfile"]).read_text()
        image = dockerbuild.build(dockerfile, context, named, tmp_path / "images" / name)
        served += check_image(image.stages[-1], svc, context)
        assert_no_secret(image.stages[-1], dockerfile, name)
    assert sorted(served) == sorted(fn.name for fn in CODE)  # each function exactly once
    compose = (out / "docker-compose.yml").read_text()
    assert not [x for x in PLANTED if x.split("/")[0] in compose]


def assert_no_secret(stage: dockerbuild.Stage, dockerfile: str, service: str) -> None:
    """The final image holds nothing of the ignore list, and the Dockerfile names none of
    it: only each function's own code path, and the filter with every pattern."""
    left = [
        str(p.relative_to(stage.root))
        for p in stage.root.rglob("*")
        if any(fnmatch.fnmatch(p.name, pattern) for pattern in EXCLUDED_FROM_IMAGES)
    ]
    assert left == [], f"{service}: {left}"
    texts = [p.read_text() for p in stage.root.rglob("*") if p.is_file()]
    assert not [t for t in texts if "SECRET" in t or "PRIVATE KEY" in t], service
    for name in PLANTED:
        assert not [args for args in copy_args(dockerfile) if name.split("/")[0] in args[0]]
    filters = [
        x for x in dockerfile.split("\n") if x.startswith("RUN find /unpack") and "-depth" in x
    ]
    assert len(filters) == 1 and all(
        repr(p) in filters[0] or f"-name {p} " in filters[0] for p in EXCLUDED_FROM_IMAGES
    ), filters
