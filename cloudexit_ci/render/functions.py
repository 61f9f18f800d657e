"""Function images: Dockerfile (Jinja2), the runtime shim, and the shim's config.json."""

from __future__ import annotations

import json
import shlex
from typing import Any

from cloudexit_ci import precedence
from cloudexit_ci.render.jinja import render, template_text
from cloudexit_ci.stack import Code, Function, FunctionImage, Stack
from cloudexit_ci.tree import Files

_SHIM = {
    "node": (
        "runtime/node/cloudexit-shim.cjs",
        "cloudexit-shim.cjs",
        "function/Dockerfile.node.j2",
    ),
    "python": (
        "runtime/python/cloudexit_shim.py",
        "cloudexit_shim.py",
        "function/Dockerfile.python.j2",
    ),
}


def function_files(stack: Stack) -> Files:
    """Per function service its Dockerfile and config.json; per runtime family one shim,
    in the stack's shared runtime directory (the named build context of every image)."""
    files: Files = {}
    shims: dict[str, tuple[str, set[str]]] = {}  # output path -> (template, sources)
    for service, image in sorted(stack.function_images.items()):
        functions = [stack.functions[key] for key in image.functions]
        sources = tuple(sorted({f.origin.address for f in functions} | set(_layers(functions))))
        shim_template, shim_name, dockerfile = _SHIM[image.family]
        base = f"functions/{service}"
        files[f"{base}/Dockerfile"] = (
            render(dockerfile, **_docker_context(functions, image)).encode(),
            sources,
        )
        shared = shims.setdefault(f"{image.runtime_dir}/{shim_name}", (shim_template, set()))
        shared[1].update(sources)
        config = shim_config(stack, functions, image.consolidated)
        files[f"{base}/config.json"] = (_json(config), sources)
    for path, (template, origins) in sorted(shims.items()):
        files[path] = (template_text(template).encode(), tuple(sorted(origins)))
    return files


def _docker_context(functions: list[Function], image: FunctionImage) -> dict[str, Any]:
    runtime = functions[0].runtime
    sdk = "boto3" if runtime.startswith("python") else ("v2" if runtime == "nodejs16.x" else "v3")
    context, consolidated = image.code_root, image.consolidated
    return {
        "base_image": image.base_image,
        "runtime": runtime,
        "sdk": sdk,
        "uid": 10001,
        "excluded": _find_names(image.excluded),
        "layers": [
            {"name": address, "kind": code.kind, "path": _within(code.path, context), "index": i}
            for i, (address, code) in enumerate(_layers(functions).items())
        ],
        "functions": [
            {
                "name": f.function_name,
                "code_kind": f.code.kind if f.code.kind != "missing" else "dir",
                "code_path": _within(f.code.path, context) if f.code.path else ".",
                "code_dir": f.key if consolidated else ".",
            }
            for f in functions
        ],
    }


def _layers(functions: list[Function]) -> dict[str, Code]:
    """The layers of a service's functions, each once, in the order they are listed (one
    /opt per container: consolidated functions share their layers)."""
    return {address: code for f in functions for address, code in f.layers}


def _find_names(patterns: tuple[str, ...]) -> str:
    """``-name '.git' -o -name '.env*' ...`` for find (our patterns, shell-quoted)."""
    return " -o ".join(f"-name {shlex.quote(p)}" for p in patterns)


def _within(path: str, context: str) -> str:
    if context in ("", "."):
        return path
    return path[len(context) :].lstrip("/") or "."


def shim_config(stack: Stack, functions: list[Function], consolidated: bool) -> dict[str, Any]:
    """The shim's contract: the API it fronts, its functions and the routes they serve."""
    keys = {f.key for f in functions}
    served = [r for r in stack.routes if r.function in keys and r.api in stack.apis]
    urls = [r for r in served if stack.apis[r.api].kind == "url"]
    routes = [r for r in stack.routes if r.function in keys and r not in urls]
    api = stack.apis.get(routes[0].api) if routes else None
    front: dict[str, Any] = {
        "id": api.key if api else "local",
        "kind": api.kind if api else "rest",
        "stage": api.stage if api else "$default",
        "payloadVersion": api.payload_version if api else "1.0",
        "binaryMediaTypes": list(api.binary_media_types) if api else [],
        "domainName": stack.domain,
    }
    if api is not None and api.stage_in_path:
        front["stageInPath"] = True  # served under /<stage>, as the invoke URL
    config: dict[str, Any] = {
        "api": front,
        "functions": {
            f.function_name: {
                "handler": f.handler,
                "codeDir": f.key if consolidated else ".",
                "timeout": f.timeout_s,
                "memory": f.memory_mb,
                "runtime": f.runtime,
            }
            for f in functions
        },
        "routes": [
            {
                "method": r.method,
                "path": r.path,
                "function": stack.functions[r.function].function_name,
            }
            for r in sorted(routes, key=lambda r: (precedence.key(r.method, r.path), r.route_key))
        ],
    }
    if urls:  # function URLs: chosen by the request's Host, before the API's routes
        config["urls"] = {
            stack.apis[r.api].host: {
                "id": stack.apis[r.api].host.split(".", 1)[0],
                "function": stack.functions[r.function].function_name,
            }
            for r in sorted(urls, key=lambda r: stack.apis[r.api].host)
        }
    return config


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()
