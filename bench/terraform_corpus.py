"""The real-Terraform corpus: public repositories extracted from local git mirrors.

`python -m bench.real_terraform --materialise` (or any run that finds a repository
missing) extracts each repository's newest commit from
``$CLOUDEXIT_BENCH_MIRRORS/<owner>+<name>/repo`` (default ``/work/.mirror``) into
``bench/.work/<owner>+<name>/`` (git-ignored) with ``git archive HEAD | tar -x``, and
records the commit (and the newest tag reachable from it) in
``bench/.work/<owner>+<name>/.bench-commit.json``; the results name every commit.

Each extracted repository gets an empty ``.git`` directory, as a clone has: its root is
the repository root the tool sees (paths in findings are relative to it). The mirrors
are only read. The ``REGISTRY`` repositories serve as registry modules
(``terraform-aws-modules/<name>/aws``, see ``bench/terraform_layouts.py``): the release a
call's version constraint selects is extracted on demand into
``bench/.work/.modules/<owner>+<name>@<tag>/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
MIRRORS = Path(os.environ.get("CLOUDEXIT_BENCH_MIRRORS", "/work/.mirror"))
RECORD = ".bench-commit.json"
MODULES = "terraform-aws-modules+terraform-aws-"

# the run of the previous release: serverless-patterns and 7 terraform-aws-modules repositories
CORPUS = (
    "aws-samples+serverless-patterns",
    *(MODULES + n for n in ("apigateway-v2", "dynamodb-table", "ecs", "lambda", "rds")),
    *(MODULES + n for n in ("s3-bucket", "sqs")),
)
# registry module name (terraform-aws-modules/<name>/aws) → repository
REGISTRY = {
    name: MODULES + name
    for name in (
        "apigateway-v2", "dynamodb-table", "ecs", "elasticache", "kms", "lambda", "rds",
        "s3-bucket", "security-group", "sqs", "vpc",
    )
}  # fmt: skip


def git_dir(repo: str, mirrors: Path = MIRRORS) -> Path:
    """The mirror's git directory (a bare ``repo`` or a clone's ``repo/.git``)."""
    base = mirrors / repo / "repo"
    return base / ".git" if (base / ".git").is_dir() else base


def _git(repo: str, mirrors: Path, *args: str) -> str:
    cmd = ["git", "--git-dir", str(git_dir(repo, mirrors)), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def recorded(target: Path) -> dict[str, Any] | None:
    """What was recorded when ``target`` was extracted (None: it was not)."""
    path = target / RECORD
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _absent(repo: str, mirrors: Path, commit: str) -> list[str]:
    """Files of ``commit`` whose blobs the mirror lacks (its largest files may be left out)."""
    listing = _git(repo, mirrors, "ls-tree", "-r", "-z", commit)
    blobs: dict[str, list[str]] = {}
    for line in listing.split("\0"):
        meta, _, path = line.partition("\t")
        if " blob " in meta:
            blobs.setdefault(meta.split()[2], []).append(path)
    check = subprocess.run(
        ["git", "--git-dir", str(git_dir(repo, mirrors)), "cat-file", "--batch-check"],
        input="\n".join(blobs), capture_output=True, text=True, check=True,
    )  # fmt: skip
    missing = [line.split()[0] for line in check.stdout.splitlines() if line.endswith("missing")]
    return sorted(path for blob in missing for path in blobs[blob])


def _archive(repo: str, mirrors: Path, commit: str, target: Path) -> list[str]:
    """``git archive commit | tar -x -C target``, leaving out absent files (returned)."""
    absent = _absent(repo, mirrors, commit)
    excluded = [f":(exclude,literal){path}" for path in absent]
    archive = subprocess.Popen(
        ["git", "--git-dir", str(git_dir(repo, mirrors)), "archive", commit, "--", ".", *excluded],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # it still names the excluded blobs it cannot read
    )
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"git archive {commit} failed for {repo}")
    return absent


def extract(
    repo: str, ref: str = "HEAD", work: Path = WORK, mirrors: Path = MIRRORS
) -> dict[str, Any]:
    """Extract ``repo`` at ``ref`` unless it is there already: HEAD into ``work/repo``
    (a clone's root, with a ``.git``), another ref (a module release) into
    ``work/.modules/repo@ref``. Returns the record: repository, commit, tag, absent files."""
    target = work / repo if ref == "HEAD" else work / ".modules" / f"{repo}@{ref}"
    commit = _git(repo, mirrors, "rev-parse", f"{ref}^{{commit}}")
    have = recorded(target)
    if have is not None and (not commit or have.get("commit") == commit):
        return have  # extracted already (or no mirror here: keep what was extracted)
    if not commit:
        raise SystemExit(f"no {ref} of {repo} in the mirrors {mirrors} (CLOUDEXIT_BENCH_MIRRORS)")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    absent = _archive(repo, mirrors, commit, target)
    if ref == "HEAD":
        (target / ".git").mkdir(exist_ok=True)  # the repository root, as in a clone
    tag = _git(repo, mirrors, "describe", "--tags", "--abbrev=0", commit)
    record = {"repository": repo.replace("+", "/", 1), "commit": commit, "tag": tag,
              "absent": absent}  # fmt: skip
    (target / RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def module_package(repo: str, ref: str, work: Path = WORK) -> Path:
    """The directory of ``repo`` at ``ref`` (a release tag or commit), extracted on demand."""
    if ref == "HEAD":  # a git source without ?ref=: the default branch, by its commit
        ref = _git(repo, MIRRORS, "rev-parse", "HEAD")
    extract(repo, ref, work)
    return work / ".modules" / f"{repo}@{ref}"


def releases(work: Path = WORK) -> dict[str, dict[str, Any]]:
    """Every module release extracted so far: {``repo@ref``: its record}."""
    found = sorted((work / ".modules").glob("*@*")) if (work / ".modules").is_dir() else []
    return {path.name: record for path in found if (record := recorded(path)) is not None}


def tags(repo: str, mirrors: Path = MIRRORS) -> list[str]:
    return _git(repo, mirrors, "tag", "--list").split()


def materialise(force: bool = False, work: Path = WORK) -> dict[str, dict[str, Any]]:
    """Every corpus repository extracted; {repo: {repository, commit, tag, absent}}."""
    if force:
        for repo in CORPUS:
            shutil.rmtree(work / repo, ignore_errors=True)
        shutil.rmtree(work / ".modules", ignore_errors=True)
    return {repo: extract(repo, "HEAD", work) for repo in sorted(CORPUS)}
