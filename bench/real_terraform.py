"""Run cloudexit-ci over real Terraform written by others and record what happens.

Usage: .venv/bin/python -m bench.real_terraform [ROOT ...] [--materialise] [--out FILE]

Without ROOT, the corpus of ``bench/terraform_corpus.py`` (aws-samples/serverless-patterns
and 7 terraform-aws-modules repositories) is extracted from the local git mirrors into
``bench/.work`` when missing (``--materialise``: extract again), and the commits are
recorded in the results. Every directory holding .tf files is run twice through
``inventory --format json`` and ``migrate`` in-process (cloudexit_ci.main.main):

- *without layouts*: as checked out, what a user gets before ``terraform init``;
- *with layouts*: in a scratch copy of its repository (hard links) where
  ``bench/terraform_layouts.py`` has laid out ``.terraform/modules`` for every call of a
  mirrored terraform-aws-modules module, as ``terraform init`` would (a directory with
  nothing to install gives the same result as without, and is not run again).

Each generated compose file is checked with ``docker-compose config -q`` (a ``.env``
filled with dummy values) and read for Terraform text and unresolved references, and
the manifest for the invariant of honest statuses (``bench/terraform_findings.py``).
Exit code 3 or a Python traceback counts as a crash. The summary of the previous
results file is kept as ``before``. Nothing from the repositories is committed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import terraform_findings as findings
from bench.real_terraform_summary import before_of, print_summary, summary
from bench.terraform_corpus import CORPUS, WORK, materialise, releases
from bench.terraform_layouts import Layout, install, link_tree, uninstall
from cloudexit_ci.main import main

ROOT = Path(__file__).resolve().parent
COMPOSE = Path(sys.executable).parent / "docker-compose"
SKIP = {".terraform", ".git", "node_modules"}


def terraform_dirs(roots: list[Path]) -> list[Path]:
    found = set()
    for root in roots:
        for path in root.rglob("*.tf"):
            if not SKIP.intersection(path.relative_to(root).parts):
                found.add(path.parent)
    return sorted(found)


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
        except BaseException as exc:  # the CLI must never raise: count it as a crash
            import traceback

            traceback.print_exc(file=err)
            code = 99 if not isinstance(exc, KeyboardInterrupt) else 130
    return code, out.getvalue(), err.getvalue()


def crashed(code: int, stderr: str) -> bool:
    return code in (3, 99) or "Traceback (most recent call last)" in stderr


def compose_ok(output: Path) -> bool:
    compose = output / "docker-compose.yml"
    if not compose.is_file():
        return False
    env = {**os.environ, "COMPOSE_PROJECT_NAME": "bench"}
    example = output / ".env.example"
    if example.is_file():  # what the operator does: fill in every variable
        names = [line.split("=", 1)[0] for line in example.read_text().splitlines()]
        filled = [f"{n}=bench-value" for n in names if n and not n.startswith("#")]
        (output / ".env").write_text("\n".join(filled) + "\n")
    result = subprocess.run(
        [str(COMPOSE), "-f", str(compose), "config", "-q"],
        capture_output=True,
        env=env,
        check=False,
        cwd=output,
    )
    return result.returncode == 0


def inventory(directory: Path, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Run ``inventory``; fills ``record`` with the statuses, returns the coverage entries."""
    code, out, err = run(["inventory", str(directory), "--format", "json"])
    record.update(inventory_exit=code, parsed=code in (0, 1), crash=crashed(code, err))
    entries: list[dict[str, Any]] = []
    if record["parsed"]:
        with contextlib.suppress(ValueError):
            entries = findings.resources(json.loads(out))
    aws = [e for e in entries if str(e.get("type", "")).startswith("aws_")]
    record["aws_statuses"] = dict(Counter(str(e["status"]) for e in aws))
    record["unmapped_types"] = dict(Counter(e["type"] for e in aws if e["status"] == "unmapped"))
    registry = [e for e in aws if findings.from_registry(e)]
    record["registry_statuses"] = dict(Counter(str(e["status"]) for e in registry))
    uninstalled = [e for e in entries if e.get("type") == "module" and e.get("blocking")]
    record["uninstalled_modules"] = [
        f"{e['address']} ({e['file']}:{e['line']})" for e in uninstalled
    ]
    return entries


def one(directory: Path, scratch: Path) -> dict[str, Any]:
    """Inventory, migrate, compose validity and findings of one root module directory."""
    record: dict[str, Any] = {}
    entries = inventory(directory, record)
    output = scratch / "out"
    code, _, err = run(
        ["migrate", str(directory), "--output", str(output), "--domain", "app.example.com"]
    )
    record["migrate_exit"] = code
    record["crash"] = record["crash"] or crashed(code, err)
    record["compose_ok"] = code == 0 and compose_ok(output)
    if code == 0:
        record.update(findings.stack_findings(output))
        record["unsourced"] = findings.unsourced(output, entries)
    if record["crash"] or code != 0:
        record["stderr"] = err.strip().splitlines()[-3:]
    return record


def timed(directory: Path) -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cloudexit-bench-") as scratch:
        record = one(directory, Path(scratch))
    record["seconds"] = round(time.monotonic() - started, 2)
    return record


def layout_record(layout: Layout) -> dict[str, Any]:
    installed = [e for e in layout.entries if e["Dir"].startswith(".terraform/modules/")]
    return {
        "installed": [
            f"{e['Key']}: {e['Source']} {e.get('Version', '')}".strip() for e in installed
        ],
        "not_installed": layout.not_installed,
    }


def run_repository(
    root: Path, copy: Path, shown: Path, progress: list[int]
) -> list[dict[str, Any]]:
    """Both runs of every Terraform directory of the repository ``root``; ``copy`` is its
    scratch copy (hard links) where the module layouts are installed one directory at a time."""
    link_tree(root, copy)
    (copy / ".git").mkdir(exist_ok=True)  # the copy is a repository of its own
    directories = terraform_dirs([root])
    print(f"{root.name}: {len(directories)} directories", file=sys.stderr, flush=True)
    records = []
    for directory in directories:
        progress[0] += 1
        record: dict[str, Any] = {"dir": os.path.relpath(directory, shown)}
        record["without_layouts"] = timed(directory)
        scratch_dir = copy / directory.relative_to(root)
        layout = install(scratch_dir)
        record["layout"] = layout_record(layout)
        try:
            record["with_layouts"] = timed(scratch_dir) if layout.installed else None
        finally:
            uninstall(scratch_dir)
        records.append(record)
        if any(r and r["crash"] for r in (record["without_layouts"], record["with_layouts"])):
            print(f"[{progress[0]}] CRASH {directory}", file=sys.stderr)
    return records


def run_all(roots: list[Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    progress = [0]
    with tempfile.TemporaryDirectory(prefix="cloudexit-bench-layouts-") as scratch:
        for index, root in enumerate(roots):
            copy = Path(scratch) / f"{index}-{root.name}"
            records.extend(run_repository(root.resolve(), copy, ROOT.parent, progress))
    return records


def main_bench(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", type=Path, help="default: the corpus in bench/.work")
    parser.add_argument("--materialise", action="store_true", help="extract the corpus again")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "real_terraform.json")
    args = parser.parse_args(argv)
    corpus = materialise(force=args.materialise)
    roots = args.roots or [WORK / repo for repo in CORPUS]
    started = time.monotonic()
    records = run_all(roots)
    totals = summary(records, time.monotonic() - started)
    result = {
        "before": before_of(args.out),
        "summary": totals,
        "corpus": {repo: corpus[repo] for repo in sorted(corpus)},
        "module_releases": releases(),
        "directories": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print_summary(result)
    return 1 if any(totals[v]["crashes"] for v in ("without_layouts", "with_layouts")) else 0


if __name__ == "__main__":
    sys.exit(main_bench())
