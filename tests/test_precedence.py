"""One route precedence (cloudexit_ci/precedence.py) for the edge and both shims: over
generated route sets, the router Traefik would pick (its generated rule, highest
priority first) serves the same route as the Python and the Node shim's matchers."""

from __future__ import annotations

import json
import random
import re
import subprocess
from typing import Any

import pytest

from cloudexit_ci import precedence
from cloudexit_ci.render.traefik import path_matcher
from cloudexit_ci.stack import PathMatch
from tests.runtime.harness import NODE
from tests.runtime.test_python_shim_units import shim
from tests.servers import REPO

SEGMENTS = ["a", "b", "c", "{x}", "{y}", "{proxy+}"]
METHODS = ["GET", "POST", "ANY"]
NODE_SHIM = REPO / "templates" / "runtime" / "node" / "cloudexit-shim.cjs"


def route_sets(seed: int, count: int) -> list[list[tuple[str, str]]]:
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        routes = set()
        for _ in range(rng.randint(2, 7)):
            depth = rng.randint(1, 3)
            segments = [rng.choice(SEGMENTS) for _ in range(depth)]
            if "{proxy+}" in segments:  # a greedy parameter is the last segment
                segments = segments[: segments.index("{proxy+}") + 1]
            routes.add((rng.choice(METHODS), "/" + "/".join(segments)))
        if rng.random() < 0.2:
            routes.add(("ANY", "$default"))
        sets.append(sorted(routes))
    return sets


def requests_for(routes: list[tuple[str, str]], seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    paths = set()
    for _, path in routes:
        if path == "$default":
            continue
        for _ in range(3):
            parts = []
            for segment in path.strip("/").split("/"):
                if segment == "{proxy+}":
                    parts += [rng.choice(["a", "b", "z"]) for _ in range(rng.randint(1, 2))]
                else:
                    parts.append(rng.choice(["a", "b", "c", "z"]) if "{" in segment else segment)
            paths.add("/" + "/".join(parts))
    return [(m, p) for p in sorted(paths) for m in ("GET", "POST", "DELETE")]


def edge_choice(routes: list[tuple[str, str]], method: str, path: str) -> str | None:
    """Traefik: the highest-priority router whose rule matches (Method && PathRegexp)."""
    ranks = precedence.priorities(routes)
    for (route_method, route_path), _ in sorted(ranks.items(), key=lambda kv: -kv[1]):
        if route_method not in ("ANY", method):
            continue
        if route_path == "$default":
            return "$default"
        rule = path_matcher(PathMatch("template", route_path))
        found = re.match(r"^(Path|PathRegexp)\(`(.*)`\)$", rule)
        assert found is not None, rule
        kind, text = found.groups()
        if (kind == "Path" and path == text) or (
            kind == "PathRegexp" and re.search(text.replace("\\/", "/"), path)
        ):
            return f"{route_method} {route_path}"
    return None


def shim_choice(routes: list[tuple[str, str]], method: str, path: str) -> str | None:
    compiled = shim.compile_routes([{"method": m, "path": p, "function": "f"} for m, p in routes])
    found = shim.match_route(compiled, method, path)
    return None if found is None else str(found[0]["routeKey"])


CASES = [(i, routes) for i, routes in enumerate(route_sets(13, 150))]


@pytest.mark.parametrize(("seed", "routes"), CASES[:60], ids=[str(i) for i, _ in CASES[:60]])
def test_edge_and_python_shim_agree(seed: int, routes: list[tuple[str, str]]) -> None:
    for method, path in requests_for(routes, seed):
        assert edge_choice(routes, method, path) == shim_choice(routes, method, path), (
            routes,
            method,
            path,
        )


NODE_SCRIPT = """
const { compileRoutes, matchRoute } = require(process.argv[1]);
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([routes, requests]) => {
  const compiled = compileRoutes(routes.map(([method, path]) => ({ method, path, function: 'f' })));
  return requests.map(([method, path]) => {
    const m = matchRoute(compiled, method, path);
    return m ? m.route.routeKey : null;
  });
});
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node missing")
def test_edge_and_node_shim_agree() -> None:
    batch: list[Any] = [(routes, requests_for(routes, i)) for i, routes in CASES]
    done = subprocess.run(
        [str(NODE), "-e", NODE_SCRIPT, str(NODE_SHIM)],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answers = json.loads(done.stdout)
    for (routes, requests), chosen in zip(batch, answers, strict=True):
        for (method, path), node in zip(requests, chosen, strict=True):
            assert edge_choice(routes, method, path) == node, (routes, method, path)


def test_system_routes_rank_above_every_api_route() -> None:
    many = [("ANY", "/{proxy+}"), *((m, f"/r{i}") for i in range(500) for m in METHODS)]
    assert max(precedence.priorities(many).values()) < precedence.PREFLIGHT < precedence.SYSTEM
