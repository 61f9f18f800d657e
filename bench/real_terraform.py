"""Run cloudexit-ci over real Terraform written by others and record what happens.

Usage: .venv/bin/python -m bench.real_terraform [ROOT ...] [--out bench/results/real_terraform.json]

ROOT defaults to bench/.work (git-ignored: clone public repositories there,
e.g. aws-samples/serverless-patterns, terraform-aws-modules/terraform-aws-*).
Every directory holding .tf files is run through `inventory --format json`
and `migrate` in-process (cloudexit_ci.main.main); the generated compose file
is checked with `docker-compose config -q`. Exit code 3 or a Python traceback
on stderr counts as a crash. Nothing from the repositories is committed.
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

from cloudexit_ci.main import main

ROOT = Path(__file__).resolve().parent
COMPOSE = Path(sys.executable).parent / "docker-compose"
SKIP = {".terraform", ".git", "node_modules"}


def terraform_dirs(roots: list[Path]) -> list[Path]:
    found = set()
    for root in roots:
        for path in root.rglob("*.tf"):
            if not SKIP.intersection(path.parts):
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


def one(directory: Path, scratch: Path) -> dict[str, Any]:
    record: dict[str, Any] = {"dir": os.path.relpath(directory, ROOT.parent)}
    code, out, err = run(["inventory", str(directory), "--format", "json"])
    record["inventory_exit"] = code
    record["parsed"] = code in (0, 1)
    record["crash"] = crashed(code, err)
    statuses: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    if record["parsed"]:
        with contextlib.suppress(ValueError):
            for entry in json.loads(out):
                if str(entry.get("type", "")).startswith("aws_"):
                    statuses[entry["status"]] += 1
                    if entry["status"] == "unmapped":
                        unmapped[entry["type"]] += 1
    record["aws_statuses"] = dict(statuses)
    record["unmapped_types"] = dict(unmapped)
    output = scratch / "out"
    code, _, err = run(
        ["migrate", str(directory), "--output", str(output), "--domain", "app.example.com"]
    )
    record["migrate_exit"] = code
    record["crash"] = record["crash"] or crashed(code, err)
    record["compose_ok"] = code == 0 and compose_ok(output)
    if record["crash"] or code not in (0,):
        record["stderr"] = err.strip().splitlines()[-3:]
    return record


def summary(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    total = len(records)
    statuses: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    for record in records:
        statuses.update(record["aws_statuses"])
        unmapped.update(record["unmapped_types"])
    resources = sum(statuses.values())
    generated = [r for r in records if r["migrate_exit"] == 0]
    return {
        "directories": total,
        "parsed": sum(r["parsed"] for r in records),
        "parse_share": round(sum(r["parsed"] for r in records) / total, 3) if total else 0,
        "aws_resources": resources,
        "aws_status_share": {s: round(n / resources, 3) for s, n in sorted(statuses.items())},
        "aws_status_counts": dict(sorted(statuses.items())),
        "stacks_generated": len(generated),
        "compose_config_ok": sum(r["compose_ok"] for r in generated),
        "compose_ok_share": round(sum(r["compose_ok"] for r in generated) / len(generated), 3)
        if generated
        else 0,
        "top_unmapped_types": dict(unmapped.most_common(15)),
        "crashes": [r["dir"] for r in records if r["crash"]],
        "failures": {r["dir"]: r.get("stderr", []) for r in records if r["migrate_exit"] != 0},
        "seconds": round(seconds, 1),
    }


def main_bench(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("roots", nargs="*", type=Path, default=[ROOT / ".work"])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "real_terraform.json")
    args = parser.parse_args(argv)
    directories = terraform_dirs([r.resolve() for r in args.roots])
    started = time.monotonic()
    records = []
    for index, directory in enumerate(directories, 1):
        with tempfile.TemporaryDirectory(prefix="cloudexit-bench-") as scratch:
            records.append(one(directory, Path(scratch)))
        if records[-1]["crash"]:
            print(f"[{index}/{len(directories)}] CRASH {directory}", file=sys.stderr)
    totals = summary(records, time.monotonic() - started)
    result = {"summary": totals, "directories": records}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(totals, indent=2, sort_keys=True))
    return 1 if totals["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main_bench())
