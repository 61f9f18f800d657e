"""Functions → containers running the Lambda shim (one per function, or consolidated)."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from pathlib import Path
from typing import Literal

from cloudexit_ci import images
from cloudexit_ci.options import Options
from cloudexit_ci.stack import (
    Build,
    Dependency,
    EnvVar,
    Function,
    FunctionImage,
    HealthCheck,
    Origin,
    Service,
    Stack,
)
from cloudexit_ci.targets.datastores import ALTERNATOR_URL
from cloudexit_ci.values import EnvRef, Value

SHIM_FILE = {"node": "cloudexit-shim.cjs", "python": "cloudexit_shim.py"}
SHIM_CMD = {"node": "node", "python": "python"}
# The stack's one copy of each shim: a leading "_" no sanitised function name has
# (naming.safe_name starts every name with a letter), so it never clashes.
RUNTIME_DIR = "functions/_runtime"
RUNTIME_CONTEXT = "cloudexit-runtime"
# The websocket gateway (mappers/websocket.py) and its certificate's volume and mount point.
WEBSOCKET = "websocket"
WEBSOCKET_TLS_VOLUME = "websocket-tls"
WEBSOCKET_TLS_DIR = "/etc/cloudexit/websocket-tls"
# Never in a function image, wherever it lies in the code (a directory, a zip's content):
# VCS and Terraform data, state, variable files, .env files, keys.
EXCLUDED_FROM_IMAGES = (
    ".git", ".terraform", "*.tfstate*", "*.tfvars", "*.tfvars.json", ".env*", "*.pem", "*.key",
)  # fmt: skip


def _groups(stack: Stack, options: Options) -> dict[str, list[Function]]:
    """Service name → the functions it serves (images aside): decided here, once, and
    recorded in ``Service.serves`` and ``Stack.function_images``."""
    runnable = [f for _, f in sorted(stack.functions.items()) if f.runtime != "image"]
    if options.serverless_mode != "consolidated":
        return {f.key: [f] for f in runnable}
    by_runtime: dict[str, list[Function]] = defaultdict(list)
    for function in runnable:
        by_runtime[function.runtime].append(function)
    if len(by_runtime) == 1:
        return {"api": next(iter(by_runtime.values()))}
    return {
        f"api-{rt.replace('.', '').replace('x', '')}": fs for rt, fs in sorted(by_runtime.items())
    }


def _code_root(functions: list[Function], stack: Stack) -> str:
    """Repository-relative directory holding every function's code and layers and nothing
    above them (the build context "code", of which BuildKit transfers only what the
    Dockerfile copies); "" when no code was found (the context is then the function's
    generated folder, never the Terraform directory)."""
    codes = [c for f in functions for c in (f.code, *(code for _, code in f.layers))]
    dirs = [
        c.path if c.kind == "dir" else posixpath.dirname(c.path)
        for c in codes
        if c.kind in ("zip", "dir", "file")
    ]
    return posixpath.commonpath(dirs) or "." if dirs else ""


def add_functions(stack: Stack, options: Options) -> None:
    for name, functions in _groups(stack, options).items():
        context = _code_root(functions, stack)
        stack.function_images[name] = FunctionImage(
            service=name,
            functions=tuple(f.key for f in functions),
            base_image=images.runtime_image(functions[0].runtime),
            family=_family(functions[0].runtime),
            code_root=context,
            consolidated=options.serverless_mode == "consolidated",
            runtime_dir=RUNTIME_DIR,
            excluded=EXCLUDED_FROM_IMAGES,
        )
        stack.services[name] = _service(name, functions, stack, context)
    for function in (f for f in stack.functions.values() if f.runtime == "image"):
        stack.services[function.key] = _image_service(function, stack)


def _family(runtime: str) -> Literal["node", "python"]:
    return "node" if runtime.startswith("nodejs") else "python"


def _origins(function: Function) -> tuple[Origin, ...]:
    """The function and what shaped its replicas (provisioned concurrency configs)."""
    return (function.origin, *(origin for origin, _ in function.provisioned))


def _service(name: str, functions: list[Function], stack: Stack, context: str) -> Service:
    family = _family(functions[0].runtime)
    env = [*_platform_env(stack), *_function_env(functions, stack)]
    memory = max(f.memory_mb for f in functions)
    return Service(
        name=name,
        origins=tuple(o for f in functions for o in _origins(f)),
        role="function",
        build=Build(
            context=f"functions/{name}",
            extra_contexts=(
                ("code", _from_output(context, stack) if context else f"functions/{name}"),
                (RUNTIME_CONTEXT, RUNTIME_DIR),
            ),
        ),
        environment=tuple(env),
        networks=("frontend", "backend"),
        expose=(8080,),
        healthcheck=HealthCheck(
            ("CMD", SHIM_CMD[family], f"/opt/cloudexit/{SHIM_FILE[family]}", "--healthcheck"),
            interval_s=10,
            timeout_s=10,  # a new interpreter loads the shim: seconds while a stack starts
            retries=3,
            start_period_s=30,
        ),
        depends_on=_depends(stack),
        volumes=_volumes(stack),
        memory_mb=memory,
        replicas=1,
        user="10001:10001",
        comment=", ".join(f.function_name for f in functions),
        serves=tuple(f.key for f in functions),
    )


def _image_service(function: Function, stack: Stack) -> Service:
    code = function.code
    build, image = None, None
    if code.kind == "build":  # the repository's own Dockerfile builds the image
        build = Build(context=_from_output(code.path, stack), dockerfile=code.dockerfile)
    else:
        image = _image_ref(function, stack)
    return Service(
        name=function.key,
        origins=_origins(function),
        role="function",
        image=image,
        build=build,
        environment=tuple([*_platform_env(stack), *function.environment]),
        networks=("frontend", "backend"),
        expose=(8080,),
        volumes=_volumes(stack),  # AWS_CA_BUNDLE names a file there: it must exist
        depends_on=_depends(stack),
        memory_mb=function.memory_mb,
        replicas=1,
        comment=f"{function.function_name} (container image; it must serve HTTP on 8080)",
        serves=(function.key,),
    )


def _image_ref(function: Function, stack: Stack) -> str | EnvRef:
    image: str | EnvRef = function.code.path
    if not image:  # an ECR URI known only after apply
        var = function.key.upper().replace("-", "_") + "_IMAGE"
        text = f"{function.origin.address}: the function's container image (image_uri)"
        stack.env_vars[var] = EnvVar(var, text, function.origin, secret=False)
        image = EnvRef(var, required=True)
    return image


def _from_output(repo_relative: str, stack: Stack) -> str:
    repo = Path(stack.paths["repo-root"])
    output = Path(stack.paths["output-dir"])
    return Path(posixpath.relpath(repo / repo_relative, output)).as_posix()


def _platform_env(stack: Stack) -> list[tuple[str, Value]]:
    env: list[tuple[str, Value]] = [
        ("AWS_REGION", stack.region),
        ("AWS_DEFAULT_REGION", stack.region),
    ]
    if stack.tables and stack.options.get("dynamodb-mode") == "alternator":
        env.append(("AWS_ENDPOINT_URL_DYNAMODB", ALTERNATOR_URL))
    if stack.buckets:
        store = stack.options.get("object-store", "minio")
        port = 9000 if store == "minio" else 8333
        env += [
            ("AWS_ENDPOINT_URL_S3", f"http://{store}:{port}"),
            ("AWS_S3_FORCE_PATH_STYLE", "true"),
            ("AWS_ACCESS_KEY_ID", EnvRef("APP_AWS_ACCESS_KEY_ID")),
            ("AWS_SECRET_ACCESS_KEY", EnvRef("APP_AWS_SECRET_ACCESS_KEY")),
        ]
    elif stack.tables:
        env += [("AWS_ACCESS_KEY_ID", "alternator"), ("AWS_SECRET_ACCESS_KEY", "alternator")]
    elif "AWS_ACCESS_KEY_ID" not in stack.function_env:  # Lambda/SNS: SDKs sign, none checks
        env += [("AWS_ACCESS_KEY_ID", "cloudexit"), ("AWS_SECRET_ACCESS_KEY", "cloudexit")]
    return env + sorted(stack.function_env.items())


def _function_env(functions: list[Function], stack: Stack) -> list[tuple[str, Value]]:
    """A service's environment: its functions' variables (consolidated: the union;
    a variable whose value differs between functions is reported)."""
    merged: dict[str, Value] = {}
    for function in functions:
        for name, value in function.environment:
            if name in merged and merged[name] != value:
                stack.notes.append(
                    f"consolidated mode: {name} differs between functions; "
                    f"`{function.key}` gets {merged[name]!r} (use containerized mode)"
                )
                continue
            merged[name] = value
    return sorted(merged.items())


def _volumes(stack: Stack) -> tuple[tuple[str, str], ...]:
    """The websocket gateway's certificate, which the functions trust (AWS_CA_BUNDLE,
    NODE_EXTRA_CA_CERTS: mappers/websocket.py), so https://{domainName}/{stage} reaches it."""
    if WEBSOCKET not in stack.services:
        return ()
    return ((WEBSOCKET_TLS_VOLUME, f"{WEBSOCKET_TLS_DIR}:ro"),)


def _depends(stack: Stack) -> tuple[Dependency, ...]:
    deps = []
    if WEBSOCKET in stack.services:  # its certificate exists once it is healthy
        deps.append(Dependency(WEBSOCKET, "service_healthy"))
    if "scylladb" in stack.services:
        deps += [
            Dependency("scylladb", "service_healthy"),
            Dependency("dynamodb-init", "service_completed_successfully"),
        ]
    for store in ("minio", "seaweedfs"):
        if store in stack.services:
            deps += [
                Dependency(store, "service_healthy"),
                Dependency("s3-init", "service_completed_successfully"),
            ]
    return tuple(deps)
