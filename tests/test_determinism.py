"""Output is byte-identical across processes and hash seeds: a set or dict iterated
without sorting would make two runs differ, and a single process cannot see that (its
hash seed is fixed). Each example renders, in every mode, in fresh interpreters with
different ``PYTHONHASHSEED`` values; the digests of the whole trees must agree."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.servers import REPO

SEEDS = ("0", "1", "4242")
SCRIPT = """
import hashlib, sys
from pathlib import Path
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import Source, generate
digest = hashlib.sha256()
modes = [{}, {"serverless_mode": "consolidated", "object_store": "seaweedfs"},
         {"dynamodb_mode": "cql"}]
for example in sorted(Path("examples").iterdir()):
    for mode in modes:
        tree = generate(Source(example / "terraform"), Options(output_dir="/tmp/o", **mode)).tree
        for path, data in sorted(tree.items()):
            digest.update(str(path).encode() + b"\\0" + data + b"\\0")
print(digest.hexdigest())
"""


def _digest(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "CLOUDEXIT_NO_CACHE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.servers  # several fresh interpreters: slow-ish
def test_every_example_renders_the_same_bytes_under_every_hash_seed() -> None:
    digests = {seed: _digest(seed) for seed in SEEDS}
    assert len(set(digests.values())) == 1, digests
