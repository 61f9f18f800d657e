"""One shim per stack: every function image copies the runtime shim from the stack's one
shared directory (functions/_runtime, the named build context "cloudexit-runtime"), so a
change to the shim is one changed file of the output (and its hash in the manifest),
not one per function."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cloudexit_ci.commands.common import options_of
from cloudexit_ci.main import _parser
from cloudexit_ci.naming import safe_name
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.render.jinja import template_text
from tests.servers import REPO

SHIMS = {"node": "cloudexit-shim.cjs", "python": "cloudexit_shim.py"}


def _tree(example: str, *extra: str) -> dict[str, bytes]:
    root = REPO / "examples" / example
    argv = ["migrate", str(root / "terraform"), "--output", str(root / "stack")]
    parser, _ = _parser(argv)
    options = options_of(parser.parse_args([*argv, "--domain", "api.example.com", *extra]))
    result = generate(Source(root / "terraform"), options)
    return {str(path): data for path, data in result.tree.items()}


@pytest.mark.parametrize(
    ("example", "family", "functions"),
    [("serverless-items", "node", 5), ("http-api-uploads", "python", 4)],
)
def test_a_shim_change_is_one_file_of_the_output(
    example: str, family: str, functions: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree(example)

    def changed(name: str) -> str:
        text = template_text(name)
        return text + "\n// changed\n" if name.startswith("runtime/") else text

    monkeypatch.setattr("cloudexit_ci.render.functions.template_text", changed)
    after = _tree(example)
    assert sorted(before) == sorted(after)
    drift = sorted(path for path in after if after[path] != before[path])
    shim = f"functions/_runtime/{SHIMS[family]}"
    assert drift == [".cloudexit/manifest.json", shim]
    services = yaml.safe_load(after["docker-compose.yml"])["services"]
    built = {n: s for n, s in services.items() if s.get("build", {}).get("additional_contexts")}
    assert len(built) == functions  # the function services (lambda-invoke builds from its own)
    for service in built.values():
        contexts = service["build"]["additional_contexts"]
        assert contexts["cloudexit-runtime"] == "functions/_runtime"
        dockerfile = after[f"{service['build']['context']}/Dockerfile"].decode()
        assert f'COPY --from=cloudexit-runtime ["{SHIMS[family]}", "/opt/cloudexit/"]' in dockerfile
    assert not [p for p in after if Path(p).name in SHIMS.values() and p != shim]


def test_consolidated_mode_shares_the_same_directory() -> None:
    tree = _tree("serverless-items", "--serverless-mode", "consolidated")
    assert [p for p in tree if Path(p).name in SHIMS.values()] == [
        "functions/_runtime/cloudexit-shim.cjs"
    ]


@pytest.mark.parametrize("name", ["_runtime", "__runtime", "-runtime", "_Runtime"])
def test_no_function_service_can_be_named_like_the_shared_directory(name: str) -> None:
    """Function services live in functions/<safe name>; a safe name starts with a letter."""
    assert safe_name(name, "fn") != "_runtime"
    assert safe_name(name, "fn")[0].isalpha()
