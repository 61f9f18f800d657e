"""`python -m bench`: run every benchmark; each prints a markdown table and writes
bench/results/<name>.json. `python -m bench check shim` runs a subset;
`python -m bench shim -- --rounds 3` passes the options after `--` to each one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = {
    "check": "check_bench.py",
    "shim": "shim_bench.py",
    "migrate_data": "migrate_data_bench.py",
    "real_terraform": "real_terraform.py",
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
        script = HERE / BENCHES[name]
        print(f"## {name}", flush=True)
        cmd = [sys.executable, str(script), *options]
        worst = max(worst, subprocess.run(cmd, check=False).returncode)
    return worst


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
