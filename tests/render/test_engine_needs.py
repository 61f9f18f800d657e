"""What a real Docker Engine needs from the generated files, checked without an engine.

Each test pins a defect the container suite (tests/docker, `make test-docker`) found when
the stacks first ran for real: a Dockerfile that pulls from a registry, a gateway that
calls home, a Traefik directory an empty map invalidates, an nginx that cannot resolve
the object store.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from cloudexit_ci import yamlio
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
from cloudexit_ci.tree import Tree
from tests.mappers.test_cloudfront import HCL as CDN_HCL
from tests.servers import REPO

EXAMPLES = sorted(p / "terraform" for p in (REPO / "examples").iterdir() if p.is_dir())


def _tree(directory: Path, tmp_path: Path, mode: str = "containerized") -> Tree:
    options = Options(output_dir=str(tmp_path / "out"), serverless_mode=mode)
    return generate(Source(directory), options).tree


def _cdn_tree(tmp_path: Path) -> Tree:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / "tf").mkdir(exist_ok=True)
    (tmp_path / "tf" / "main.tf").write_text(CDN_HCL, encoding="utf-8")
    return _tree(tmp_path / "tf", tmp_path)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
@pytest.mark.parametrize("mode", ["containerized", "consolidated"])
def test_dockerfiles_build_without_a_registry(example: Path, mode: str, tmp_path: Path) -> None:
    """D1: a `# syntax=` line makes BuildKit pull its frontend image (fails air-gapped)."""
    tree = _tree(example, tmp_path, mode)
    dockerfiles = [data for path, data in tree.items() if path.name == "Dockerfile"]
    assert dockerfiles
    for data in dockerfiles:
        assert not re.search(rb"(?mi)^#\s*syntax\s*=", data)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_traefik_does_not_call_home(example: Path, tmp_path: Path) -> None:
    """D4: Traefik's default checkNewVersion contacts Traefik Labs at start and daily."""
    static = yamlio.load(_tree(example, tmp_path)[PurePosixPath("traefik/traefik.yml")].decode())
    assert static["global"] == {"checkNewVersion": False, "sendAnonymousUsage": False}


def test_no_dynamic_file_has_an_empty_section(tmp_path: Path) -> None:
    """D5: `services: {}` in one file makes Traefik reject the whole directory (every router
    of a stack without functions answered 404)."""
    tree = _cdn_tree(tmp_path)
    dynamic = {
        p: yamlio.load(d.decode()) for p, d in tree.items() if p.parts[:2] == ("traefik", "dynamic")
    }
    assert dynamic and PurePosixPath("traefik/dynamic/services.yml") not in dynamic
    for path, document in dynamic.items():
        for section, items in document["http"].items():
            assert items, f"{path}: empty http.{section}"


def test_cdn_nginx_resolves_the_store_per_request(tmp_path: Path) -> None:
    """D6: a proxy_pass holding a variable is resolved per request, which needs `resolver`
    (nginx ignores /etc/resolv.conf there): every request answered 502."""
    confs = [d.decode() for p, d in _cdn_tree(tmp_path).items() if p.name == "default.conf"]
    assert confs
    for conf in confs:
        assert re.search(r"proxy_pass [^;]*\$", conf)
        assert re.search(r"(?m)^\s*resolver 127\.0\.0\.11\b", conf)
