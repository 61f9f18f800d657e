"""ScyllaDB stand-in: takes Scylla's command-line flags and runs DynamoDB Local on the
Alternator port. Flags Scylla would refuse are refused here too (a missing or unknown
--alternator-write-isolation, no --alternator-port); the others are accepted and ignored,
each named on stderr, because DynamoDB Local cannot honour them."""

from __future__ import annotations

import os
import sys

ISOLATIONS = {"always_use_lwt", "only_rmw_uses_lwt", "forbid_rmw", "unsafe_rmw"}
HOME = "/opt/dynamodb-local"
DATA = "/var/lib/scylla/dynamodb-local"


def parse(argv: list[str]) -> dict[str, str]:
    flags: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("--"):
            sys.exit(f"scylla stand-in: unexpected argument {arg!r}")
        name, eq, value = arg[2:].partition("=")
        if not eq:
            has_value = i + 1 < len(argv) and not argv[i + 1].startswith("--")
            value = argv[i + 1] if has_value else "1"
            i += 1 if has_value else 0
        flags[name.replace("_", "-")] = value
        i += 1
    return flags


def main() -> None:
    flags = parse(sys.argv[1:])
    isolation = flags.pop("alternator-write-isolation", "")
    if isolation not in ISOLATIONS:
        sys.exit(
            "scylla stand-in: --alternator-write-isolation must be one of "
            f"{sorted(ISOLATIONS)} (Scylla refuses to start without it), got {isolation!r}"
        )
    port = flags.pop("alternator-port", "")
    if not port.isdigit():
        sys.exit("scylla stand-in: --alternator-port is required (no DynamoDB API without it)")
    for name, value in sorted(flags.items()):
        print(f"scylla stand-in: ignoring --{name}={value}", file=sys.stderr)
    os.makedirs(DATA, exist_ok=True)
    cmd = ["java", "-Xmx512m", f"-Djava.library.path={HOME}/DynamoDBLocal_lib", "-jar",
           f"{HOME}/DynamoDBLocal.jar", "-sharedDb", "-dbPath", DATA, "-disableTelemetry",
           "-port", port]  # fmt: skip
    print(f"scylla stand-in: DynamoDB Local on :{port} (write isolation {isolation})", flush=True)
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
