"""`python -m bench`: run every benchmark; each prints a markdown table and writes
bench/results/<name>.json. `python -m bench check shim` runs a subset;
`python -m bench shim -- --rounds 3` passes the options after `--` to each one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHES = {
    "check": "bench.check_bench",
    "shim": "bench.shim_bench",
    "migrate_data": "bench.migrate_data_bench",
    "real_terraform": "bench.real_terraform",
    "authz": "bench.authz_bench",
    "eventbridge": "bench.eventbridge_bench",
    "streams": "bench.streams_bench",
    "platforms": "bench.platforms_bench",
}


def main(argv: list[str]) -> int:
    names, options = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    )
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}: choose from {', '.join(BENCHES)}"
              " (options go after `--`)", file=sys.stderr)  # fmt: skip
        return 2
    worst = 0
    for name in names or list(BENCHES):
        print(f"## {name}", flush=True)
        cmd = [sys.executable, "-m", BENCHES[name], *options]  # from the repository root:
        worst = max(worst, subprocess.run(cmd, cwd=REPO, check=False).returncode)  # bench, tests
    return worst


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
