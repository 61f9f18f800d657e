"""`python -m bench`: run every benchmark; each prints a markdown table and writes
bench/results/<name>.json. `python -m bench check shim` runs a subset."""

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
    chosen = argv or list(BENCHES)
    worst = 0
    for name in chosen:
        script = HERE / BENCHES[name]
        if not script.exists():
            print(f"## {name}: {script.name} is missing", file=sys.stderr)
            worst = 1
            continue
        print(f"## {name}", flush=True)
        worst = max(worst, subprocess.run([sys.executable, str(script)], check=False).returncode)
    return worst


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
