"""Convert a small Terraform fixture and expose what the snapshot tests compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cloudexit_ci import yamlio
from cloudexit_ci.convert import convert
from cloudexit_ci.options import Options
from cloudexit_ci.render import compose, traefik
from cloudexit_ci.render.extras import extra_files as render_extras
from cloudexit_ci.stack import Stack
from cloudexit_ci.terraform.load import load_module


def stack_of(tmp_path: Path, hcl: str) -> Stack:
    (tmp_path / ".git").mkdir(exist_ok=True)
    tf = tmp_path / "tf"
    tf.mkdir(exist_ok=True)
    (tf / "main.tf").write_text(hcl, encoding="utf-8")
    module = load_module(tf, repo_root=tmp_path)
    return convert(module, Options(domain="app.example.com", output_dir=str(tmp_path / "out")))


def view(stack: Stack, services: tuple[str, ...] = ()) -> dict[str, Any]:
    """Coverage, chosen services as Compose YAML data, env vars, data plan, extra files."""
    doc = compose.compose_document(stack)["services"]
    files = render_extras(stack, "header")
    for key, (document, sources) in traefik.dynamic_files(stack).items():
        text = yamlio.dump(document, header="header")
        files[f"traefik/dynamic/{key}.yml"] = (text.encode(), sources)
    return {
        "coverage": [
            (c.origin.address, c.status, c.reason, list(c.lost), c.blocking) for c in stack.coverage
        ],
        "services": {name: doc[name] for name in services},
        "env_vars": sorted((v.name, v.secret) for v in stack.env_vars.values()),
        "function_env": dict(sorted(stack.function_env.items())),
        "data_plan": [(m.kind, dict(m.source), dict(m.target)) for m in stack.data_plan],
        "files": {
            p: data.decode()
            for p, (data, _) in sorted(files.items())
            if p.endswith((".conf", ".json", ".yml"))
        },
        "extra_paths": sorted([*stack.extra_files, *(f for f in files if "traefik/" in f)]),
    }


def status(stack: Stack, address: str) -> str:
    return next(c.status for c in stack.coverage if c.origin.address == address)
