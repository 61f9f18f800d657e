"""The report model: what one `check` found for one stack, and the exit code.

Reporters (``cloudexit_ci.reporters``) only read these records.
Coverage entries are kept in one tuple; inferred routes are the entries with
status ``inferred`` (see :attr:`Report.inferred`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from cloudexit_ci import __version__, yamlio
from cloudexit_ci.diff import Drift, diff_trees
from cloudexit_ci.errors import UserError
from cloudexit_ci.manifest import MANIFEST_PATH, DataMove
from cloudexit_ci.manifest import parse as parse_manifest
from cloudexit_ci.settings import DEFAULT_FAIL, FAIL_ON
from cloudexit_ci.stack import Coverage
from cloudexit_ci.tree import Tree

FailOn = Literal["drift", "error", "unmapped", "partial", "blocking"]
FAIL_ON_CHOICES: frozenset[str] = frozenset(FAIL_ON)
DEFAULT_FAIL_ON: frozenset[str] = frozenset(DEFAULT_FAIL)
COMPOSE_PATH = PurePosixPath("docker-compose.yml")
DATA_ROLE_LABEL = "cloudexit.role"


@dataclass(frozen=True)
class ReportError:
    """A user error met while checking (bad HCL, config key…): exit code 2."""

    message: str
    where: str | None = None
    hint: str | None = None

    @classmethod
    def from_user_error(cls, error: UserError) -> ReportError:
        return cls(error.message, error.where, error.hint)


@dataclass(frozen=True)
class ServiceDelta:
    """Compose services of the fresh render vs the checked-in compose file."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    data_removed: tuple[str, ...] = ()  # removed services labelled cloudexit.role=data

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True)
class DataPlanChange:
    """A move whose kind, source or target differs: ``before`` (checked in) -> ``after``."""

    before: DataMove
    after: DataMove


@dataclass(frozen=True)
class DataPlanDelta:
    """The fresh render's ``dataPlan`` vs the checked-in manifest's, keyed by address.

    ``added`` and ``changed`` are what the action's migrate-on-merge step would copy
    once the regenerated stack is merged; ``removed`` is no longer migrated (nothing
    is deleted).
    """

    added: tuple[DataMove, ...] = ()
    changed: tuple[DataPlanChange, ...] = ()
    removed: tuple[DataMove, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def to_copy(self) -> tuple[DataMove, ...]:
        """The moves that would run on merge because they are new or changed."""
        return tuple(sorted([*self.added, *(c.after for c in self.changed)],
                            key=lambda m: (m.kind, m.address)))  # fmt: skip


@dataclass(frozen=True)
class Counts:
    files_drifted: int
    changed: int
    missing: int
    extra: int
    hand_edited: int
    unmapped: int
    partial: int
    inferred: int
    errors: int
    services_added: int
    services_changed: int
    services_removed: int


@dataclass(frozen=True)
class Report:
    """Everything one `check` of one stack found. Paths are repository-relative POSIX.

    ``Coverage.origin.file`` is taken as repository-relative as well.
    """

    stack: str
    output_dir: str
    terraform_dir: str
    drifts: tuple[Drift, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    errors: tuple[ReportError, ...] = ()
    services: ServiceDelta = ServiceDelta()
    data_plan: DataPlanDelta = DataPlanDelta()
    generator_version: str = __version__

    @property
    def unmapped(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.coverage if c.status == "unmapped")

    @property
    def partial(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.coverage if c.status == "partial")

    @property
    def inferred(self) -> tuple[Coverage, ...]:
        return tuple(c for c in self.coverage if c.status == "inferred")

    @property
    def in_sync(self) -> bool:
        return not self.drifts and not self.errors

    def repo_path(self, drift: Drift) -> str:
        """The drifted file's path relative to the repository root."""
        return join_posix(self.output_dir, str(drift.path))

    @property
    def counts(self) -> Counts:
        kinds = [d.kind for d in self.drifts]
        return Counts(
            files_drifted=len(self.drifts),
            changed=kinds.count("changed"),
            missing=kinds.count("missing"),
            extra=kinds.count("extra"),
            hand_edited=kinds.count("hand-edited"),
            unmapped=len(self.unmapped),
            partial=len(self.partial),
            inferred=len(self.inferred),
            errors=len(self.errors),
            services_added=len(self.services.added),
            services_changed=len(self.services.changed),
            services_removed=len(self.services.removed),
        )


def join_posix(base: str, rel: str) -> str:
    base = base.strip().rstrip("/")
    if base in ("", "."):
        return rel
    return str(PurePosixPath(base) / rel)


def _failing(report: Report, fail_on: frozenset[str]) -> bool:
    checks = {
        "drift": bool(report.drifts),
        "unmapped": bool(report.unmapped),
        "partial": bool(report.partial),
        "blocking": any(c.blocking for c in report.coverage),
    }
    return any(flag for name, flag in checks.items() if name in fail_on)


def exit_code(
    report: Report, fail_on: frozenset[str] = DEFAULT_FAIL_ON, soft_fail: bool = False
) -> int:
    """0 in sync, 1 drift or a failing finding, 2 user error.

    ``fail_on`` picks what counts as failing (see FAIL_ON_CHOICES). Errors
    exit 2 when "error" is in ``fail_on``. ``soft_fail`` turns 1 into 0 but
    never hides a user error: a broken input is not a finding.
    """
    unknown = fail_on - FAIL_ON_CHOICES
    if unknown:
        raise UserError(
            f"unknown --fail-on value(s): {', '.join(sorted(unknown))}",
            where="--fail-on",
            hint=f"use any of {', '.join(sorted(FAIL_ON_CHOICES))}",
        )
    if report.errors and "error" in fail_on:
        return 2
    if _failing(report, fail_on) and not soft_fail:
        return 1
    return 0


def combined_exit_code(
    reports: Iterable[Report],
    fail_on: frozenset[str] = DEFAULT_FAIL_ON,
    soft_fail: bool = False,
) -> int:
    """The worst exit code over several stacks (2 beats 1 beats 0)."""
    return max((exit_code(r, fail_on, soft_fail) for r in reports), default=0)


# --- service delta -------------------------------------------------------------------------


def _services(compose: bytes | None) -> dict[str, Any]:
    if compose is None:
        return {}
    try:
        data = yamlio.load(compose.decode("utf-8"))
    except (UnicodeDecodeError, yamlio.YAMLError):
        return {}
    services = data.get("services") if isinstance(data, dict) else None
    return {str(k): v for k, v in services.items()} if isinstance(services, dict) else {}


def _labels(service: Any) -> dict[str, str]:
    raw = service.get("labels") if isinstance(service, dict) else None
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        pairs = (str(item).partition("=") for item in raw)
        return {k: v for k, _, v in pairs}
    return {}


def is_data_store(service: Any) -> bool:
    return _labels(service).get(DATA_ROLE_LABEL) == "data"


def service_delta(expected_compose: bytes | None, actual_compose: bytes | None) -> ServiceDelta:
    """Services added/changed/removed going from the checked-in compose to the fresh one."""
    if expected_compose == actual_compose:
        return ServiceDelta()  # same bytes: nothing to parse (the hot path of a clean check)
    new, old = _services(expected_compose), _services(actual_compose)
    removed = sorted(old.keys() - new.keys())
    return ServiceDelta(
        added=tuple(sorted(new.keys() - old.keys())),
        changed=tuple(sorted(k for k in new.keys() & old.keys() if new[k] != old[k])),
        removed=tuple(removed),
        data_removed=tuple(k for k in removed if is_data_store(old[k])),
    )


# --- data plan delta ------------------------------------------------------------------------


def _data_plan(manifest: bytes | None) -> dict[str, DataMove]:
    return {m.address: m for m in parse_manifest(manifest).data_plan}


def data_plan_delta(
    expected_manifest: bytes | None, actual_manifest: bytes | None
) -> DataPlanDelta:
    """Data moves added/changed/removed going from the checked-in manifest to the fresh one."""
    if expected_manifest == actual_manifest:
        return DataPlanDelta()
    new, old = _data_plan(expected_manifest), _data_plan(actual_manifest)
    return DataPlanDelta(
        added=tuple(new[a] for a in sorted(new.keys() - old.keys())),
        changed=tuple(
            DataPlanChange(old[a], new[a])
            for a in sorted(new.keys() & old.keys())
            if new[a] != old[a]
        ),
        removed=tuple(old[a] for a in sorted(old.keys() - new.keys())),
    )


def build_report(
    *,
    stack: str,
    output_dir: str,
    terraform_dir: str,
    expected: Tree,
    actual: Tree,
    coverage: Iterable[Coverage] = (),
    errors: Iterable[ReportError] = (),
    compose_path: PurePosixPath = COMPOSE_PATH,
    plan_baseline: bytes | None = None,
) -> Report:
    """Diff the trees and assemble a Report (coverage sorted by address).

    ``plan_baseline``: the manifest the data plan is compared with (e.g. the pull
    request's base branch); default: the checked-in one.
    """
    baseline = plan_baseline if plan_baseline is not None else actual.get(MANIFEST_PATH)
    return Report(
        stack=stack,
        output_dir=output_dir,
        terraform_dir=terraform_dir,
        drifts=tuple(diff_trees(expected, actual)),
        coverage=tuple(sorted(coverage, key=lambda c: (c.origin.address, c.status))),
        errors=tuple(errors),
        services=service_delta(expected.get(compose_path), actual.get(compose_path)),
        data_plan=data_plan_delta(expected.get(MANIFEST_PATH), baseline),
    )


def error_report(stack: str, output_dir: str, terraform_dir: str, error: UserError) -> Report:
    """A report for a stack that could not be rendered at all."""
    return Report(stack, output_dir, terraform_dir, errors=(ReportError.from_user_error(error),))
