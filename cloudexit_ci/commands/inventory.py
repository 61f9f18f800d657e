"""`cloudexit-ci inventory`: every resource with its status and reason.

TERRAFORM_DIR lists one stack; without it, every stack of .cloudexit.yml (each entry
then carries a ``stack`` field, and the text lists each stack under its name). The
generate options (--dynamodb-mode, --object-store, --var…) apply as in ``migrate``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from cloudexit_ci.commands.stacks import Target, config_of, targets
from cloudexit_ci.convert import convert
from cloudexit_ci.layers import add_arguments as _add
from cloudexit_ci.pipeline import load
from cloudexit_ci.stack import Coverage

Entry = dict[str, object]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser, "inventory")


def run(args: argparse.Namespace) -> int:
    chosen = targets(args, config_of(args), need_output=False)
    several = len(chosen) > 1
    listed = [(t.options.stack_name, _entries(t)) for t in chosen]
    if several:
        listed = [(name, [{"stack": name, **e} for e in entries]) for name, entries in listed]
    if args.format == "json":
        json.dump([e for _, entries in listed for e in entries], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for name, entries in listed:
        if several:
            print(f"stack {name}:")
        _print_table(entries)
    return 0


def _entries(target: Target) -> list[Entry]:
    module = load(target.source)
    stack = convert(module, target.options)
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
    return entries


def _entry(coverage: Coverage) -> Entry:
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


def _print_table(entries: list[Entry]) -> None:
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
