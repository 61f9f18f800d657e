"""Benchmarks for the hot path: `migrate`, `inventory` and `check` as whole processes.

Ratios measured in one run (these machines are noisy), medians of repeated runs:
- `check` / `migrate` / `inventory` on the bundled example vs the import floor (interleaved
  rounds; medians of per-round ratios)
  `python -c "import hcl2, yaml, jinja2"` (target for check: <= 2x);
- a synthetic repository of 50 stacks x 40 resources: warm re-check with nothing
  changed vs a cold check (target <= 15%);
- cold parse throughput of cloudexit-ci (parallel, both cores) vs single-threaded
  python-hcl2 `hcl2.loads` on the same files (target >= 1.5x).

Run: `.venv/bin/python -m bench.check_bench` (writes bench/results/check.json).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = [PY, "-m", "cloudexit_ci"]
EXAMPLE = REPO / "examples" / "serverless-items" / "terraform"
STACKS, FUNCTIONS = 50, 10  # 10 functions + 10 integrations + 10 routes + 10 others = 40


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def median(cmd: list[str], n: int, env: dict[str, str] | None = None, cwd: Path | None = None,
           before: object = None) -> float:  # fmt: skip
    times = []
    for _ in range(n):
        if callable(before):
            before()
        times.append(run(cmd, env, cwd))
    return statistics.median(times)


def stack_tf(i: int) -> str:
    """One synthetic stack: an HTTP API, 10 Python functions, tables, buckets, logs."""
    parts = [
        f'variable "env" {{\n  default = "s{i}"\n}}\n',
        'resource "aws_apigatewayv2_api" "api" {\n  name          = "${var.env}-api"\n'
        '  protocol_type = "HTTP"\n}\n',
    ]
    for f in range(FUNCTIONS):
        parts.append(
            f'resource "aws_lambda_function" "f{f}" {{\n'
            f'  function_name = "${{var.env}}-f{f}"\n  runtime = "python3.12"\n'
            f'  handler = "app.handler"\n  filename = "build/f{f}.zip"\n  memory_size = 256\n'
            f"  environment {{\n    variables = {{\n"
            f"      TABLE = aws_dynamodb_table.t{f % 4}.name\n"
            f'      MODE  = upper("prod")\n    }}\n  }}\n}}\n'
            f'resource "aws_apigatewayv2_integration" "i{f}" {{\n'
            f'  api_id = aws_apigatewayv2_api.api.id\n  integration_type = "AWS_PROXY"\n'
            f"  integration_uri = aws_lambda_function.f{f}.invoke_arn\n"
            f'  payload_format_version = "2.0"\n}}\n'
            f'resource "aws_apigatewayv2_route" "r{f}" {{\n'
            f"  api_id = aws_apigatewayv2_api.api.id\n"
            f'  route_key = "GET /things{f}/{{id}}"\n'
            f'  target = "integrations/${{aws_apigatewayv2_integration.i{f}.id}}"\n}}\n'
        )
    for t in range(4):
        parts.append(
            f'resource "aws_dynamodb_table" "t{t}" {{\n  name = "${{var.env}}-t{t}"\n'
            f'  hash_key = "id"\n  billing_mode = "PAY_PER_REQUEST"\n'
            f'  attribute {{\n    name = "id"\n    type = "S"\n  }}\n}}\n'
        )
    for b in range(3):
        parts.append(f'resource "aws_s3_bucket" "b{b}" {{\n  bucket = "s{i}-bucket-{b}"\n}}\n')
    parts.append('resource "aws_cloudwatch_log_group" "logs" {\n  name = "/aws/x"\n}\n')
    parts.append('resource "aws_iam_role" "role" {\n  name = "role"\n}\n')
    return "".join(parts)


def make_large_repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    lines = ["stacks:"]
    for i in range(STACKS):
        tf = root / f"stack{i:02d}" / "terraform"
        tf.mkdir(parents=True)
        (tf / "main.tf").write_text(stack_tf(i))
        lines += [f"  - terraform: stack{i:02d}/terraform", f"    output: stack{i:02d}/out",
                  f"    domain: s{i}.example.com"]  # fmt: skip
    (root / ".cloudexit.yml").write_text("\n".join(lines) + "\n")
    return root


def fresh_cache_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def bench_example(env: dict[str, str], out: Path, rounds: int = 9) -> dict[str, float]:
    """Medians over interleaved rounds (the floor and each command once per round, so a
    load spike of this shared machine hits them alike); ``<cmd>_ratio`` is the median of
    the per-round ratios to the floor."""
    args = [str(EXAMPLE), "--output", str(out), "--domain", "api.example.com"]
    run([*CLI, "migrate", *args], env)  # warms the caches; writes the output once
    run([*CLI, "check", *args], env)  # migrate does not fill the render cache: check does
    commands = {
        "floor": [PY, "-c", "import hcl2, yaml, jinja2"],
        "check": [*CLI, "check", *args],
        "migrate": [*CLI, "migrate", *args],
        "inventory": [*CLI, "inventory", str(EXAMPLE)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(run(cmd, env))
    result: dict[str, float] = {f"{n}_s": statistics.median(t) for n, t in times.items()}
    for name in ("check", "migrate", "inventory"):
        ratios = [c / f for c, f in zip(times[name], times["floor"], strict=True)]
        result[f"{name}_ratio"] = statistics.median(ratios)
    return result


def bench_large(tmp: Path) -> dict[str, float]:
    repo = make_large_repo(tmp / "large")
    cache = tmp / "cache-large"
    env = fresh_cache_env(cache)
    run([*CLI, "migrate"], env, repo)

    def clear() -> None:
        """Cold = no parsed-file or render cache (the lark grammar cache, an install-time
        artifact like python-hcl2's own, stays)."""
        for sub in ("parsed", "rendered"):
            shutil.rmtree(cache / "cloudexit-ci" / sub, ignore_errors=True)

    cold = median([*CLI, "check"], 3, env, repo, before=clear)
    run([*CLI, "check"], env, repo)
    warm = median([*CLI, "check"], 5, env, repo)
    files = sorted(str(p) for p in repo.glob("stack*/terraform/main.tf"))
    size = sum(Path(f).stat().st_size for f in files)
    script_hcl2 = "import hcl2,sys\nfor f in sys.argv[1:]:\n    hcl2.loads(open(f).read())\n"
    single = median([PY, "-c", script_hcl2, *files], 3, env)
    script_ours = (
        "import sys\nfrom pathlib import Path\nfrom cloudexit_ci.terraform.files import prime\n"
        "prime([Path(f) for f in sys.argv[2:]], Path(sys.argv[1]))\n"
    )
    ours = median([PY, "-c", script_ours, str(repo), *files], 3, env, before=clear)
    return {"cold_check_s": cold, "warm_check_s": warm, "hcl2_single_s": single,
            "parse_parallel_s": ours, "bytes": size, "files": len(files)}  # fmt: skip


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = fresh_cache_env(tmp / "cache-example")
        example = bench_example(env, tmp / "example-out")
        large = bench_large(tmp)
    results = {"example": example, "large": large, "cpus": os.cpu_count()}
    out = REPO / "bench" / "results" / "check.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    floor = example["floor_s"]
    print("| measure | seconds | ratio | target |\n|---|---:|---:|---|")
    print(f"| import floor (hcl2, yaml, jinja2) | {floor:.3f} | 1.00 | |")
    for name in ("check", "migrate", "inventory"):
        value, ratio = example[f"{name}_s"], example[f"{name}_ratio"]
        target = "<= 2x floor" if name == "check" else ""
        print(f"| {name} (example, warm) | {value:.3f} | {ratio:.2f} | {target} |")
    cold, warm = large["cold_check_s"], large["warm_check_s"]
    print(f"| check, {STACKS} stacks, cold | {cold:.3f} | 1.00 | |")
    label = f"check, {STACKS} stacks, warm (nothing changed)"
    print(f"| {label} | {warm:.3f} | {warm / cold:.2f} | <= 0.15 |")
    single, ours = large["hcl2_single_s"], large["parse_parallel_s"]
    kb = large["bytes"] / 1024
    print(f"| python-hcl2 single-threaded, {kb:.0f} KB | {single:.3f} | 1.00 | |")
    print(
        f"| cloudexit-ci parallel parse, same files | {ours:.3f} | {single / ours:.2f}x | >= 1.5x |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
