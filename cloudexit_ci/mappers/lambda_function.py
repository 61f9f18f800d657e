"""aws_lambda_function → a Function (run by the runtime shim), aws_lambda_permission."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from cloudexit_ci.errors import UserError
from cloudexit_ci.mappers import estate, lambda_image, layers
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.typed import typed
from cloudexit_ci.naming import looks_secret
from cloudexit_ci.stack import Code, Coverage, Function
from cloudexit_ci.terraform import files
from cloudexit_ci.terraform.expressions import Computed
from cloudexit_ci.terraform.files import rel
from cloudexit_ci.terraform.model import Resource
from cloudexit_ci.values import EnvRef, Ref, Template, Value

CodeKind = Literal["zip", "dir", "file"]
SUPPORTED_RUNTIME = re.compile(r"^(nodejs(1[68]|2[024])\.x|python3\.(9|1[0-4]))\Z")
_LOST_ARGS = {
    "vpc_config": "VPC placement (the compose network replaces it)",
    "reserved_concurrent_executions": "reserved concurrency on Compose (--platform swarm caps "
    "the replicas with it, kubernetes the autoscaler)",
    "dead_letter_config": "dead-letter queue for async invocations",
    "tracing_config": "X-Ray tracing",
    "snap_start": "SnapStart",
    "file_system_config": "EFS mount",
    "kms_key_arn": "KMS encryption of environment variables",
}


def _reserved(count: int) -> int | None:
    """-1 (Terraform's default) is no reservation: the account's pool."""
    return count if count >= 0 else None


def map_function(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    function_name = values.string("function_name") or resource.name
    key = unique_name(safe_name(function_name, "fn"), ctx.stack.functions)
    runtime = values.string("runtime")
    code = _code(resource, ctx)
    lost = [text for arg, text in _LOST_ARGS.items() if values.has(arg)]
    lost += ctx.family("lambda.code_lost", dict).pop(resource.address, [])
    if code.kind in ("image", "build"):
        lost.append("image functions must serve HTTP themselves (e.g. the AWS Lambda Web Adapter)")
        lost += lambda_image.not_built(code)
    elif not SUPPORTED_RUNTIME.match(runtime):
        return cover(
            resource,
            "unmapped",
            f"runtime {runtime or '(none)'} has no shim yet "
            "(supported: nodejs16.x-24.x, python3.9-3.14)",
            blocking=True,
        )
    function_layers, layers_lost = layers.function_layers(resource, ctx, _file_code)
    lost += layers_lost
    if code.kind == "missing":
        lost.append("its code was not found: map its folder in .cloudexit.yml (code-dirs)")
    elif not code.exists and code.kind in ("zip", "dir", "file"):
        ctx.note(resource, f"function code {code.path} does not exist yet: needed at image build")
    ctx.stack.functions[key] = Function(
        key=key,
        function_name=function_name,
        runtime=runtime or "image",
        handler=values.string("handler", "index.handler"),
        code=code,
        memory_mb=values.integer("memory_size", 128),
        timeout_s=values.integer("timeout", 3),
        environment=_environment(resource, ctx, key),
        origin=resource.origin,
        architecture=(values.get("architectures") or ["x86_64"])[0],
        layers=function_layers,
        reserved_concurrency=_reserved(values.integer("reserved_concurrent_executions", -1)),
    )
    ctx.family("lambda.by_address", dict)[resource.address] = key
    _export(ctx, resource, function_name)
    coverage = mapped_or_partial(resource, f"container `{key}` runs the handler", lost, key)
    unbuilt = code.kind in ("image", "build") and not code.exists
    return replace(coverage, blocking=code.kind == "missing" or unbuilt or bool(layers_lost))


def _export(ctx: MapContext, resource: Resource, name: str) -> None:
    """What references to the function become (ARNs with the stack's account)."""
    arn = estate.arn(ctx, resource, "lambda", f"function:{name}")
    region = estate.region_of(ctx, resource)
    invoke = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    for attr, value in (
        ("id", name),
        ("function_name", name),
        ("arn", arn),
        ("qualified_arn", f"{arn}:$LATEST"),
        ("invoke_arn", invoke),
        ("version", "$LATEST"),
    ):
        estate.resolve(ctx, resource.address, attr, value)


def _code(resource: Resource, ctx: MapContext) -> Code:
    values = resource.values
    override = dict(ctx.options.code_dirs).get(resource.address) or dict(ctx.options.code_dirs).get(
        values.string("function_name")
    )
    if values.raw("image_uri") not in (None, "") or values.string("package_type") == "Image":
        return lambda_image.image_code(resource, ctx, override)
    if override:
        return _local_code("dir", override, resource, ctx)
    packaged = _module_source_path(resource, ctx)
    if packaged is not None:
        return packaged
    if values.raw("s3_bucket") is not None:
        return _s3_code(resource, ctx)
    return _file_code(values.raw("filename"), resource, ctx)


def _module_source_path(resource: Resource, ctx: MapContext) -> Code | None:
    """terraform-aws-modules/lambda packages ``var.source_path`` at apply time (package.py via
    ``data.external.archive_prepare``): its first path is the function's code folder."""
    prepare = next(
        (
            d
            for d in ctx.module.resources
            if d.mode == "data"
            and d.type == "external"
            and d.name == "archive_prepare"
            and d.module == resource.module
        ),
        None,
    )
    return _prepared(prepare, resource, ctx) if prepare is not None else None


def _prepared(prepare: Resource, resource: Resource, ctx: MapContext) -> Code | None:
    """The first path of an ``archive_prepare`` query's ``source_path``."""
    # raw: the module's query also holds values not known here (filesha256() of package.py)
    query = prepare.values.raw("query")
    raw = query.get("source_path") if isinstance(query, dict) else None
    if not isinstance(raw, str) or not raw:
        return None
    try:
        found: object = json.loads(raw)
    except ValueError:
        found = raw  # a plain path (tostring succeeded)
    paths = found if isinstance(found, list) else [found]
    first = paths[0] if paths else None
    path = first.get("path") if isinstance(first, dict) else first
    if not isinstance(path, str) or not path:
        return None
    code_lost: dict[str, list[str]] = ctx.family("lambda.code_lost", dict)
    code_lost[resource.address] = _source_path_lost(paths, ctx.module.root_dir)
    kind: CodeKind = "file" if Path(path).suffix in (".py", ".js", ".mjs", ".cjs") else "dir"
    return _local_code(kind, path, resource, ctx)


def _source_path_lost(paths: list[Any], root: str) -> list[str]:
    """What terraform-aws-modules/lambda's package.py would do and the image does not: the
    first path's folder is the code, as it is."""
    lost = []
    if len(paths) > 1:
        further = [p.get("path") if isinstance(p, dict) else p for p in paths[1:]]
        shown = [posixpath.normpath(posixpath.join(root, str(p))) for p in further]
        lost.append(f"source_path: only the first path is packaged, not {', '.join(shown)}")
    first = paths[0] if isinstance(paths[0], dict) else {}
    if first.get("patterns"):
        lost.append(f"source_path patterns {first['patterns']} are not applied: every file of "
                    "the folder is in the image")  # fmt: skip
    done = [k for k in ("commands", "pip_requirements", "npm_requirements", "prefix_in_zip")
            if first.get(k)]  # fmt: skip
    if done:
        lost.append(f"source_path {', '.join(done)}: not run; install dependencies in the folder")
    return lost


def _file_code(raw: object, resource: Resource, ctx: MapContext) -> Code:
    """A zip path, or the source of the ``archive_file`` whose output it is, or of the
    terraform-aws-modules/lambda package it is (``local_existing_package`` = another module
    call's ``local_filename``)."""
    archive = _archive_source(raw, resource, ctx)
    if archive is not None:
        return archive
    prepare = ctx.module.by_address(raw.address) if isinstance(raw, Computed) else None
    packaged = _prepared(prepare, resource, ctx) if prepare is not None else None
    if prepare is not None and prepare.name == "archive_prepare" and packaged is not None:
        return packaged
    if isinstance(raw, str) and raw:
        return _local_code("zip", raw, resource, ctx)
    return Code("missing", "", exists=False)


def _s3_code(resource: Resource, ctx: MapContext) -> Code:
    """``s3_bucket`` + ``s3_key``: the ``aws_s3_object`` of this configuration that uploads
    that key, and the local file (or ``archive_file`` output) it uploads."""
    bucket = _bucket_of(ctx, resource.values.raw("s3_bucket"))
    key = resource.values.raw("s3_key")
    for upload in ctx.module.of_type("aws_s3_object", "aws_s3_bucket_object"):
        values = upload.values
        by_key = values.raw("key") == key or getattr(key, "address", None) == upload.address
        if by_key and _bucket_of(ctx, values.raw("bucket")) == bucket:
            code = _file_code(values.raw("source"), resource, ctx)
            if code.kind != "missing":
                ctx.family("lambda.code_uploads", set).add(upload.address)
                return code
    ctx.note(
        resource,
        "code is in S3 (s3_bucket/s3_key) and no aws_s3_object here uploads it: "
        "map the function's folder in .cloudexit.yml (code-dirs)",
    )
    return Code("missing", "", exists=False)


def _bucket_of(ctx: MapContext, value: object) -> object:
    """A bucket as its resource's address (``aws_s3_bucket.b.id`` and ``.bucket`` and its
    literal name are one bucket), else the value itself."""
    address = estate.referenced(value)
    if address is not None:
        return address
    found = estate.find_by(ctx, "aws_s3_bucket", "bucket", value)
    return found.address if found is not None else value


def _archive_source(raw: object, resource: Resource, ctx: MapContext) -> Code | None:
    """``data.archive_file.x.output_path`` → the archive's source."""
    for data in ctx.module.resources:
        if data.mode != "data" or data.type != "archive_file":
            continue
        out = data.values.get("output_path")
        if out is None or out != raw:
            continue
        if data.values.has("source_dir"):
            return _local_code("dir", data.values.string("source_dir"), data, ctx)
        if data.values.has("source_file"):
            return _local_code("file", data.values.string("source_file"), data, ctx)
        ctx.note(
            resource, "archive_file with inline `source` blocks: map the code in .cloudexit.yml"
        )
        return Code("missing", "", exists=False)
    return None


def _local_code(kind: CodeKind, path: str, resource: Resource, ctx: MapContext) -> Code:
    """A repository-relative code path; a path escaping the repository is an error."""
    repo = Path(ctx.module.repo_root)
    module_dir = repo / ctx.module.root_dir
    target = (module_dir / path) if not Path(path).is_absolute() else Path(path)
    try:
        shown = rel(target, repo)
    except UserError:
        raise UserError(
            f"code path {path!r} of {resource.address} escapes the repository",
            where=resource.where,
            hint="keep function code inside the repository",
        ) from None
    shown = posixpath.normpath(shown)
    return Code(kind, shown, exists=files.exists(target))


def _environment(resource: Resource, ctx: MapContext, key: str) -> tuple[tuple[str, Value], ...]:
    block = resource.values.block("environment")
    if block is None:
        return ()
    variables = block.raw("variables") or {}
    if not isinstance(variables, dict):
        ctx.note(resource, "environment.variables cannot be resolved; set them in .env")
        return ()
    return tuple(
        (name, _env_value(name, variables[name], resource, ctx, key)) for name in sorted(variables)
    )


def _env_value(name: str, value: Any, resource: Resource, ctx: MapContext, key: str) -> Value:
    """A reference or a sensitive variable stays typed (the targets stage resolves it, a
    sensitive variable is its one .env variable); a literal under a secret-looking name or
    an unknowable value becomes a documented .env variable, never the Terraform text."""
    found = typed(ctx, value, resource.origin)
    if isinstance(found, (Ref, Template, EnvRef)):
        return found
    secret = looks_secret(name)
    if found is not None and not secret:
        return found
    placeholder = estate.env_name(key, name)
    if secret:
        why = f"{resource.address}: environment variable {name} (secret)"
    else:
        why = f"{resource.address}: {name} (known only after apply)"
    register = estate.secret_var if secret else estate.plain_var
    return register(ctx, placeholder, why, resource.origin)


def map_permission(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource,
        "not-needed",
        "invoke permissions are replaced by the Traefik routes that reach the function",
    )


def map_layer(resource: Resource, ctx: MapContext) -> Coverage:
    return layers.map_layer(resource, ctx, _file_code)
