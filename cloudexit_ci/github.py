"""GitHub: the comment marker, workflow files, the REST client, migration on merge.

httpx and tenacity are imported inside functions (``check`` never imports this module).
The token only goes into the ``Authorization`` header and is redacted from messages.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudexit_ci import gitcli, manifest
from cloudexit_ci.errors import ExternalError, UserError
from cloudexit_ci.manifest import MANIFEST_PATH, DataMove

if TYPE_CHECKING:
    import httpx
    from tenacity import RetryCallState

COMMENT_LIMIT = 65_536  # characters: GitHub answers 422 "Body is too long" above this
SUMMARY_LIMIT = 1_048_576  # bytes: $GITHUB_STEP_SUMMARY upload limit per step
MARKER_RE = re.compile(r"<!--\s*cloudexit-ci:\s*(\{.*\})\s*-->")
API_VERSION = "2022-11-28"


# --- the hidden marker ------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """The JSON in a report's first line: which stack, and (when known) its state."""

    stack: str
    drift: bool | None = None
    unmapped: int | None = None

    @property
    def clean(self) -> bool:
        """True only when the marker says there is no drift and nothing unmapped."""
        return self.drift is False and self.unmapped == 0


def parse_marker(body: str) -> Marker | None:
    """The marker on the first line of ``body``, parsed as JSON; None if absent/invalid."""
    first = body.lstrip("\ufeff").split("\n", 1)[0].strip()
    match = MARKER_RE.fullmatch(first)
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("stack"), str):
        return None
    drift = data.get("drift")
    unmapped = data.get("unmapped")
    return Marker(
        stack=data["stack"],
        drift=drift if isinstance(drift, bool) else None,
        unmapped=unmapped if type(unmapped) is int else None,
    )


# --- workflow files ---------------------------------------------------------------


def write_outputs(values: Mapping[str, str], path: str | None = None) -> None:
    """Append ``values`` to $GITHUB_OUTPUT as ``name<<DELIM`` blocks (random delimiter)."""
    target = path or os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8", newline="\n") as handle:
        for name, value in values.items():
            delimiter = f"ghadelimiter_{uuid.uuid4()}"
            while delimiter in value:  # pragma: no cover - a uuid4 collision
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def warn(message: str) -> None:
    """A warning annotation inside Actions, a plain warning elsewhere."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        escaped = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::warning title=cloudexit-ci comment::{escaped}")
    else:
        print(f"warning: {message}", file=sys.stderr)


def redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


# --- the REST client ----------------------------------------------------------------


class GitHubError(ExternalError):
    """The API said no or was unreachable (after retries): exit 4, token redacted."""

    def __init__(self, status: int, message: str, where: str, hint: str | None = None):
        super().__init__(message, where=where, hint=hint)
        self.status = status


class PermissionDenied(GitHubError):
    """403 without a rate limit: a fork pull request or a read-only token."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    initial: float = 1.0  # first backoff for 5xx, doubled with jitter
    max_wait: float = 60.0  # a longer Retry-After / reset is not waited for


@dataclass(frozen=True)
class Comment:
    id: int
    node_id: str
    body: str
    html_url: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Comment:
        body = str(data.get("body") or "")
        return cls(int(data["id"]), str(data["node_id"]), body, str(data["html_url"]))


class _Retryable(Exception):
    def __init__(self, response: httpx.Response, wait: float | None):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.wait = wait


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds GitHub asks us to wait for a 403/429, or None if it is no rate limit."""
    headers = response.headers
    if "retry-after" in headers:
        try:
            return max(float(headers["retry-after"]), 0.0)
        except ValueError:
            return 60.0
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        return max(float(headers["x-ratelimit-reset"]) - time.time(), 0.0)
    if response.status_code == 429 or "secondary rate limit" in _message(response).lower():
        return 60.0
    return None


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def graphql_url(api_url: str) -> str:
    """GitHub.com: /graphql next to the REST root; GHES: /api/v3 -> /api/graphql."""
    if os.environ.get("GITHUB_GRAPHQL_URL"):
        return os.environ["GITHUB_GRAPHQL_URL"]
    root = api_url.rstrip("/")
    return root[: -len("/v3")] + "/graphql" if root.endswith("/api/v3") else root + "/graphql"


class GitHub:
    """The few REST/GraphQL calls the sticky comment needs, with retries and paging."""

    def __init__(self, api_url: str, token: str, *, policy: RetryPolicy = RetryPolicy(),
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        import httpx

        from cloudexit_ci import __version__

        self._token = token
        self._policy = policy
        self._sleep = sleep
        self._graphql = graphql_url(api_url)
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"cloudexit-ci/{__version__}",
            },
            transport=httpx.HTTPTransport(retries=3),  # connect errors only
            timeout=30.0,
        )

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def list_comments(self, repo: str, number: int) -> Iterator[Comment]:
        """Every comment of the issue/PR, following ``Link: rel="next"`` to the end."""
        url: str | None = f"/repos/{repo}/issues/{number}/comments?per_page=100"
        while url:
            response = self._request("GET", url)
            yield from (Comment.from_api(item) for item in response.json())
            url = response.links.get("next", {}).get("url")

    def create_comment(self, repo: str, number: int, body: str) -> Comment:
        path = f"/repos/{repo}/issues/{number}/comments"
        return Comment.from_api(self._request("POST", path, {"body": body}).json())

    def update_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        path = f"/repos/{repo}/issues/comments/{comment_id}"
        return Comment.from_api(self._request("PATCH", path, {"body": body}).json())

    def delete_comment(self, repo: str, comment_id: int) -> None:
        self._request("DELETE", f"/repos/{repo}/issues/comments/{comment_id}")

    def minimize_comment(self, node_id: str) -> None:
        """Hide a comment as outdated (GraphQL ``minimizeComment``)."""
        query = (
            "mutation($id: ID!, $classifier: ReportedContentClassifiers!) { "
            "minimizeComment(input: {subjectId: $id, classifier: $classifier}) "
            "{ minimizedComment { isMinimized minimizedReason } } }"
        )
        variables = {"id": node_id, "classifier": "OUTDATED"}
        data = self._request("POST", self._graphql, {"query": query, "variables": variables})
        errors = data.json().get("errors") or []
        if errors:
            message = "; ".join(str(e.get("message", e)) for e in errors)
            kind = PermissionDenied if errors[0].get("type") == "FORBIDDEN" else GitHubError
            raise kind(403, self._clean(message), where="GitHub GraphQL minimizeComment")

    def _request(self, method: str, url: str, body: object = None) -> httpx.Response:
        import httpx
        from tenacity import Retrying, retry_if_exception_type

        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=self._stop,
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send(method, url, body)
        except _Retryable as exc:
            response = exc.response
        except httpx.HTTPError as exc:
            message = self._clean(f"cannot reach GitHub: {type(exc).__name__}: {exc}")
            raise GitHubError(0, message, where=f"GitHub API {method} {self._absolute(url)}",
                              hint="check GITHUB_API_URL and the network") from None  # fmt: skip
        return self._check(method, url, response)

    def _send(self, method: str, url: str, body: object) -> httpx.Response:
        response = self._http.request(method, url, json=body)
        if response.status_code >= 500:
            raise _Retryable(response, None)
        if response.status_code in (403, 429):
            wait = rate_limit_wait(response)
            if wait is not None:
                raise _Retryable(response, wait)
        return response

    def _wait(self, state: RetryCallState) -> float:
        from tenacity import wait_exponential_jitter

        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.wait is not None:
            return exc.wait
        backoff = wait_exponential_jitter(initial=self._policy.initial, max=self._policy.max_wait)
        return float(backoff(state))

    def _stop(self, state: RetryCallState) -> bool:
        """Give up after ``attempts`` or when GitHub asks for a wait longer than max_wait."""
        exc = state.outcome.exception() if state.outcome else None
        too_long = isinstance(exc, _Retryable) and (exc.wait or 0.0) > self._policy.max_wait
        return too_long or state.attempt_number >= self._policy.attempts

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        print(f"warning: GitHub answered {exc}; retry in {seconds:.1f} s", file=sys.stderr)

    def _check(self, method: str, url: str, response: httpx.Response) -> httpx.Response:
        if response.is_success:
            return response
        where = f"GitHub API {method} {response.request.url.copy_with(query=None)}"
        message = self._clean(f"HTTP {response.status_code}: {_message(response)}")
        if response.status_code == 403:
            raise PermissionDenied(403, message, where=where)
        hint = "check the token's permissions (issues: write / pull-requests: write)"
        raise GitHubError(response.status_code, message, where=where, hint=hint)

    def _absolute(self, url: str) -> str:  # without the query, as the answers name it
        path = url.split("?", 1)[0]
        return str(self._http.base_url).rstrip("/") + path if path.startswith("/") else path

    def _clean(self, text: str) -> str:
        return redact(text, self._token)


def read_event() -> dict[str, Any]:
    """The webhook payload the workflow was triggered by ({} when there is none)."""
    target = os.environ.get("GITHUB_EVENT_PATH")
    if not target or not Path(target).is_file():
        return {}
    data = json.loads(Path(target).read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


# --- data migration on merge ------------------------------------------------------

NO_COMMIT = "0" * 40


def merge_range(event_name: str, event: Mapping[str, Any], ref: str) -> tuple[str, str] | None:
    """(before, after) commits of a push to the default branch or a merged PR, else None."""
    repo = event.get("repository") or {}
    default = f"refs/heads/{repo.get('default_branch', '')}"
    if event_name == "push" and ref == default and not event.get("deleted"):
        return str(event.get("before") or NO_COMMIT), str(event["after"])
    pull = event.get("pull_request") or {}
    merged = event.get("action") == "closed" and pull.get("merged") is True
    into_default = pull.get("base", {}).get("ref") == repo.get("default_branch")
    if event_name in ("pull_request", "pull_request_target") and merged and into_default:
        return str(pull["base"]["sha"]), str(pull["merge_commit_sha"])
    return None


def _data_plan(repo_dir: Path, commit: str, stack_dir: str) -> tuple[DataMove, ...]:
    if commit == NO_COMMIT:
        return ()
    found = manifest.at_ref(repo_dir, commit, stack_dir, flag=commit)
    return manifest.parse(found).data_plan


def _need_commit(repo_dir: Path, commit: str) -> None:
    if commit != NO_COMMIT and not gitcli.is_commit(repo_dir, commit):
        raise UserError(
            f"commit {commit} is not in the checkout",
            where=str(repo_dir),
            hint="use actions/checkout with fetch-depth: 0",
        )


def changed_stacks(repo_dir: Path, before: str, after: str) -> list[str]:
    """Stack directories (repo-relative) whose manifest dataPlan differs before/after."""
    _need_commit(repo_dir, before)
    _need_commit(repo_dir, after)
    name = str(MANIFEST_PATH)
    stacks = sorted(
        path[: -len(name)].rstrip("/") or "."
        for path in gitcli.files_at(repo_dir, after)
        if path == name or path.endswith("/" + name)
    )
    changed = []
    for stack in stacks:
        plan = _data_plan(repo_dir, after, stack)
        if plan and plan != _data_plan(repo_dir, before, stack):
            changed.append(stack)
    return changed


def migrate_on_merge(only: list[str], extra: list[str]) -> int:
    """The action's migration step: migrate-data for each stack whose data plan changed."""
    from cloudexit_ci.main import main as cli

    env = os.environ
    span = merge_range(env.get("GITHUB_EVENT_NAME", ""), read_event(), env.get("GITHUB_REF", ""))
    if span is None:
        print("cloudexit-ci: not a push to the default branch or a merged pull request")
        return 0
    top = gitcli.toplevel(Path.cwd()) or Path()
    wanted = {Path(s).resolve() for s in only}
    stacks = [top / s for s in changed_stacks(top, *span)]
    stacks = [s for s in stacks if not wanted or s.resolve() in wanted]
    print(f"cloudexit-ci: data plan changed in {len(stacks)} stack(s) ({span[0]}..{span[1]})")
    if "--state-dir" not in extra:
        state = Path(env.get("RUNNER_TEMP") or ".") / "cloudexit-ci-migrate-state"
        extra = [*extra, "--state-dir", str(state)]
    codes = [cli(["migrate-data", "--stack", str(stack), *extra]) for stack in stacks]
    write_outputs({"migrated-stacks": "\n".join(str(s) for s in stacks)})
    return max(codes, default=0)


if __name__ == "__main__":  # the action: python -m cloudexit_ci.github migrate-on-merge
    import shlex

    stacks = [s for s in os.environ.get("CLOUDEXIT_MIGRATE_STACKS", "").splitlines() if s.strip()]
    extra = shlex.split(os.environ.get("CLOUDEXIT_MIGRATE_ARGS", ""))
    sys.exit(migrate_on_merge(stacks, extra) if sys.argv[1:] == ["migrate-on-merge"] else 2)
