"""`migrate-data --stack` reads the data plan from the manifest; on every platform each
target's service (and host) is one the platform's files define under that very name, so
the plan runs unchanged from inside the stack's network (docs/PLATFORMS.md)."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
import yaml

from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.tree import Tree
from tests.servers import REPO

EXAMPLES = sorted(p / "terraform" for p in (REPO / "examples").iterdir() if p.is_dir())


def _service_names(tree: Tree, platform: str) -> set[str]:
    if platform in ("compose", "swarm"):
        name = "docker-compose.yml" if platform == "compose" else "stack.yml"
        return set(yaml.safe_load(tree[PurePosixPath(name)])["services"])
    return {
        doc["metadata"]["name"]
        for path, data in tree.items()
        if path.parts[0] == "kubernetes" and path.suffix == ".yaml"
        for doc in yaml.safe_load_all(data)
        if isinstance(doc, dict) and doc.get("kind") == "Service"
    }


@pytest.mark.parametrize("platform", ["compose", "swarm", "kubernetes"])
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_data_plan_targets_are_services_of_the_platform(
    example: Path, platform: str, tmp_path: Path
) -> None:
    options = Options(output_dir=str(tmp_path / "out"), platform=platform)
    tree = generate(Source(example), options).tree
    plan = json.loads(tree[PurePosixPath(".cloudexit/manifest.json")])["dataPlan"]
    assert plan, "every example has a data plan"
    services = _service_names(tree, platform)
    for move in plan:
        target = move["target"]
        assert target["service"] in services, (move["address"], sorted(services))
        host = target.get("host") or target.get("endpoint", "").split("//")[-1].split(":")[0]
        if host:
            assert host in services, (move["address"], host)
