"""Totals of the real-Terraform benchmark (``bench/real_terraform.py``) and its printed table."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.terraform_findings import attribute_of

VARIANTS = ("without_layouts", "with_layouts")
STATUSES = ("mapped", "partial", "inferred", "not-needed", "unmapped")


def _share(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0


def _runs(records: list[dict[str, Any]], variant: str) -> list[tuple[str, dict[str, Any]]]:
    """(dir, run) of every directory; without a layout, "with" is the run without."""
    return [(r["dir"], r[variant] or r["without_layouts"]) for r in records]


def _statuses(runs: list[tuple[str, dict[str, Any]]], field: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for _, run in runs:
        total.update(run[field])
    return total


def _basics(runs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    statuses, unmapped = _statuses(runs, "aws_statuses"), _statuses(runs, "unmapped_types")
    resources = sum(statuses.values())
    generated = [run for _, run in runs if run["migrate_exit"] == 0]
    parsed = sum(run["parsed"] for _, run in runs)
    return {
        "directories": len(runs),
        "parsed": parsed,
        "parse_share": _share(parsed, len(runs)),
        "aws_resources": resources,
        "aws_status_counts": dict(sorted(statuses.items())),
        "aws_status_share": {s: _share(n, resources) for s, n in sorted(statuses.items())},
        "stacks_generated": len(generated),
        "compose_config_ok": sum(run["compose_ok"] for run in generated),
        "compose_ok_share": _share(sum(run["compose_ok"] for run in generated), len(generated)),
        "top_unmapped_types": dict(unmapped.most_common(15)),
        "crashes": [d for d, run in runs if run["crash"]],
        "failures": {d: run.get("stderr", []) for d, run in runs if run["migrate_exit"] != 0},
    }


def _findings(runs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    registry = _statuses(runs, "registry_statuses")
    text = [{"dir": d, **hit} for d, run in runs for hit in run.get("terraform_text", [])]
    other = [{"dir": d, **h} for d, run in runs for h in run.get("terraform_text_elsewhere", [])]
    variables = {
        (d, name): ref
        for d, run in runs
        for name, ref in run.get("unresolved_env", {}).get("variables", {}).items()
    }
    unsourced = [f"{d}: {item}" for d, run in runs for item in run.get("unsourced", [])]
    return {
        "registry_modules": {
            "aws_resources": sum(registry.values()),
            "status_counts": dict(sorted(registry.items())),
            "directories": sum(1 for _, run in runs if run["registry_statuses"]),
        },
        "uninstalled_module_calls": sum(len(run["uninstalled_modules"]) for _, run in runs),
        "terraform_text": {"count": len(text), "occurrences": text},
        "terraform_text_other_files": {"count": len(other), "occurrences": other},
        "unresolved_env": {
            "variables": len(variables),
            "compose_values": sum(
                r.get("unresolved_env", {}).get("compose_values", 0) for _, r in runs
            ),
            "directories": len({d for d, _ in variables}),
            "top_attributes": dict(Counter(map(attribute_of, variables.values())).most_common(20)),
        },
        "unsourced": {"count": len(unsourced), "resources": unsourced},
    }


def _layouts(records: list[dict[str, Any]]) -> dict[str, Any]:
    layouts = [r["layout"] for r in records]
    installed = Counter(i.split(": ", 1)[1] for lay in layouts for i in lay["installed"])
    missing = Counter(i.split(": ", 1)[1] for lay in layouts for i in lay["not_installed"])
    return {
        "directories_with_installed_modules": sum(1 for lay in layouts if lay["installed"]),
        "modules_installed": sum(installed.values()),
        "top_installed": dict(installed.most_common(10)),
        "calls_not_installed": sum(missing.values()),
        "top_not_installed": dict(missing.most_common(10)),
    }


def summary(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in VARIANTS:
        runs = _runs(records, variant)
        out[variant] = {**_basics(runs), **_findings(runs)}
        timed = [r[variant]["seconds"] for r in records if r[variant]]
        out[variant]["seconds_run"] = round(sum(timed), 1)
    out["module_layouts"] = _layouts(records)
    out["seconds"] = round(seconds, 1)
    return out


def before_of(results: Path) -> dict[str, Any]:
    """The ``before`` of the results file about to be overwritten: kept if it has one, else
    (the previous release's format) its summary."""
    if not results.is_file():
        return {}
    data = json.loads(results.read_text(encoding="utf-8"))
    before = data.get("before") or data.get("summary") or {}
    return dict(before)


def _status_cell(counts: dict[str, int], total: int) -> str:
    cells = [f"{s} {counts[s]} ({counts[s] / total:.1%})" for s in STATUSES if counts.get(s)]
    return " · ".join(cells) or "0"


def _registry(v: dict[str, Any]) -> str:
    return _status_cell(
        v["registry_modules"]["status_counts"], v["registry_modules"]["aws_resources"]
    )


def _stacks(v: dict[str, Any]) -> str:
    return f"{v['stacks_generated']} / {v['compose_config_ok']}"


def _unresolved(v: dict[str, Any]) -> str:
    return f"{v['unresolved_env']['variables']} / {v['unresolved_env']['compose_values']}"


ROWS: tuple[tuple[str, Any], ...] = (
    ("directories / parsed", lambda v: f"{v['directories']} / {v['parsed']}"),
    ("crashes", lambda v: len(v["crashes"])),
    ("stacks generated / compose valid", _stacks),
    ("aws_* resources", lambda v: v["aws_resources"]),
    ("statuses", lambda v: _status_cell(v["aws_status_counts"], v["aws_resources"])),
    ("aws_* from registry modules", _registry),
    ("uninstalled module calls (blocking)", lambda v: v["uninstalled_module_calls"]),
    ("Terraform text in compose", lambda v: v["terraform_text"]["count"]),
    ("Terraform text in other config files", lambda v: v["terraform_text_other_files"]["count"]),
    ("no-self-hosted-value .env vars / compose values", _unresolved),
    ("mapped/partial sourcing no file", lambda v: v["unsourced"]["count"]),
    ("seconds", lambda v: v.get("seconds_run", v.get("seconds"))),
)  # fmt: skip


def _cell(get: Any, totals: dict[str, Any]) -> str:
    try:
        return str(get(totals))
    except KeyError:  # `before` has no such figure
        return "–"


def _lists(totals: dict[str, Any]) -> list[tuple[str, list[str]]]:
    after = totals["with_layouts"]
    text = after["terraform_text"]["occurrences"]
    other = after["terraform_text_other_files"]["occurrences"]
    top = after["unresolved_env"]["top_attributes"]
    return [
        ("Terraform text", [f"{h['dir']} {h['service']} {h['key']} = {h['value']}" for h in text]),
        ("Terraform text in other files", [f"{h['dir']} {h['file']}: {h['line']}" for h in other]),
        ("top unresolved attributes", [f"{a}: {n}" for a, n in top.items()]),
        ("mapped/partial sourcing no file", after["unsourced"]["resources"]),
        ("crashes", after["crashes"] + totals["without_layouts"]["crashes"]),
    ]  # fmt: skip


def print_summary(result: dict[str, Any]) -> None:
    totals = result["summary"]
    columns = [result["before"], *(totals[v] for v in VARIANTS)]
    print("| measure | before | without layouts | with layouts |\n|---|---|---|---|")
    for name, get in ROWS:
        print(f"| {name} | {' | '.join(_cell(get, c) for c in columns)} |")
    extra = {"module_layouts": totals["module_layouts"], "seconds": totals["seconds"]}
    print(json.dumps(extra, indent=2))
    for title, items in _lists(totals):
        if items:
            print(f"\n{title} ({len(items)}):\n  " + "\n  ".join(items[:25]))
