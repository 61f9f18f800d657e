"""`cloudexit-ci inventory`: every resource with its status and reason."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from cloudexit_ci.commands.common import add_source_arguments, source_of
from cloudexit_ci.convert import convert
from cloudexit_ci.options import Options
from cloudexit_ci.pipeline import load
from cloudexit_ci.stack import Coverage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--dynamodb-mode", choices=("alternator", "cql"), default="alternator")
    parser.add_argument("--object-store", choices=("minio", "seaweedfs"), default="minio")


def run(args: argparse.Namespace) -> int:
    module = load(source_of(args))
    options = Options(dynamodb_mode=args.dynamodb_mode, object_store=args.object_store)
    stack = convert(module, options)
    entries = [_entry(c) for c in stack.coverage]
    entries += [
        {
            "address": u.address,
            "type": "expression",
            "status": "unresolved",
            "reason": f"{u.attribute} = {u.text}: {u.reason}",
            "file": u.file,
            "line": u.line,
        }
        for u in module.diagnostics.unresolved
    ]
    entries += [
        {
            "address": origin.address,
            "type": "note",
            "status": "note",
            "reason": message,
            "file": origin.file,
            "line": origin.line,
        }
        for origin, message in stack.resource_notes
    ]
    if args.format == "json":
        json.dump(entries, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print_table(entries)
    return 0


def _entry(coverage: Coverage) -> dict[str, object]:
    return {
        "address": coverage.origin.address,
        "type": coverage.type,
        "status": coverage.status,
        "reason": coverage.reason,
        "file": coverage.origin.file,
        "line": coverage.origin.line,
        "service": coverage.service,
        "lost": list(coverage.lost),
        "blocking": coverage.blocking,
    }


def _print_table(entries: list[dict[str, object]]) -> None:
    width = max((len(str(e["address"])) for e in entries), default=10)
    for entry in entries:
        lost = entry.get("lost")
        extra = f" (lost: {'; '.join(map(str, lost))})" if isinstance(lost, list) and lost else ""
        print(
            f"{entry['status']:<11} {entry['address']!s:<{width}}  "
            f"{entry['file']}:{entry['line']}  {entry['reason']}{extra}"
        )
    counts = Counter(str(entry["status"]) for entry in entries)
    print("total: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())), file=sys.stderr)
