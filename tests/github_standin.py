"""A local stand-in for the parts of GitHub's API that ``cloudexit-ci comment`` uses.

It answers as https://docs.github.com/rest/issues/comments documents (status codes,
JSON shapes, ``Link`` pagination in the ``/repositories/{id}/…`` form GitHub emits,
the 403 a read-only token gets, secondary rate limits with ``retry-after``) plus the
GraphQL ``minimizeComment`` mutation. Every request is recorded, minus the token.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN = "ghs_standInToken0123456789abcdefABCDEF"
BOT = {
    "login": "github-actions[bot]",
    "id": 41898282,
    "node_id": "MDM6Qm90NDE4OTgyODI=",
    "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4",
    "url": "https://api.github.com/users/github-actions%5Bbot%5D",
    "html_url": "https://github.com/apps/github-actions",
    "type": "Bot",
    "site_admin": False,
}
DOCS = "https://docs.github.com/rest/issues/comments"
FORBIDDEN = "Resource not accessible by integration"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID "
    "C0DE:1F2E:3A4B5C:6D7E8F:65A1B2C3."
)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class GitHubStandIn:
    """``with GitHubStandIn() as gh:`` then point GITHUB_API_URL at ``gh.url``."""

    def __init__(self, repo: str = "octo-org/infra", repo_id: int = 1296269) -> None:
        self.repo = repo
        self.repo_id = repo_id
        self.comments: dict[int, dict[str, Any]] = {}
        self.minimized: set[str] = set()
        self.requests: list[Recorded] = []
        self.forbid_writes = False
        self.answers: list[Answer] = []  # answered first, one per request
        self._next_id = 1_900_000_000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> GitHubStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- switches and seeding (not recorded) ---------------------------------------

    def fail_next(self, status: int, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` as GitHub does."""
        for _ in range(times):
            if status == 403 and retry_after is not None:
                body = {"message": SECONDARY, "documentation_url": _RATE_DOCS, "status": "403"}
                headers = {"retry-after": str(retry_after), "x-ratelimit-remaining": "4987"}
                self.answers.append(Answer(403, body, headers))
            elif status >= 500:
                self.answers.append(Answer(status, {"message": "Server Error"}))
            else:
                body = {"message": FORBIDDEN if status == 403 else "error", "status": str(status)}
                self.answers.append(Answer(status, body))

    def add_comment(self, number: int, body: str, user: dict[str, Any] | None = None) -> int:
        return int(self._create(number, body, user or BOT)["id"])

    def bodies(self) -> list[str]:
        return [c["body"] for c in self.comments.values()]

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]

    # --- the API -------------------------------------------------------------------

    def _create(self, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            cid = self._next_id
        node = "IC_kwDO" + base64.b64encode(f"0:IssueComment{cid}".encode()).decode().rstrip("=")
        api = self.url
        comment = {
            "url": f"{api}/repos/{self.repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{self.repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{api}/repos/{self.repo}/issues/{number}",
            "id": cid,
            "node_id": node,
            "user": user,
            "created_at": "2026-11-28T10:42:00Z",
            "updated_at": "2026-11-28T10:42:00Z",
            "author_association": "NONE",
            "body": body,
            "reactions": {
                "url": f"{api}/repos/{self.repo}/issues/comments/{cid}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "hooray": 0,
                "confused": 0,
                "heart": 0,
                "rocket": 0,
                "eyes": 0,
            },
            "performed_via_github_app": None,
            "_number": number,
        }
        self.comments[cid] = comment
        return comment

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        parts = urlsplit(target)
        payload = json.loads(raw) if raw else None
        visible = {k.lower(): v for k, v in headers.items() if k.lower() != "authorization"}
        query = dict(parse_qsl(parts.query))
        self.requests.append(Recorded(method, parts.path, query, payload, visible))
        if headers.get("Authorization") not in (f"Bearer {TOKEN}", f"token {TOKEN}"):
            return Answer(
                401,
                {"message": "Bad credentials", "documentation_url": _DOCS_ROOT, "status": "401"},
            )
        if self.answers:
            return self.answers.pop(0)
        return self._route(method, parts.path, query, payload)

    def _route(self, method: str, path: str, query: dict[str, str], payload: Any) -> Answer:
        repo = re.escape(self.repo)
        listing = rf"/(?:repos/{repo}|repositories/{self.repo_id})/issues/(\d+)/comments"
        one = rf"/repos/{repo}/issues/comments/(\d+)"
        if method == "GET" and (m := re.fullmatch(listing, path)):
            return self._list(int(m.group(1)), query)
        if method == "POST" and path == "/graphql":
            return self._graphql(payload)
        if self.forbid_writes and method in ("POST", "PATCH", "DELETE"):
            return Answer(403, {"message": FORBIDDEN, "documentation_url": DOCS, "status": "403"})
        if method == "POST" and (m := re.fullmatch(listing, path)):
            return self._write(
                lambda: self._create(int(m.group(1)), payload["body"], BOT), 201, payload
            )
        if (m := re.fullmatch(one, path)) and int(m.group(1)) in self.comments:
            cid = int(m.group(1))
            if method == "PATCH":
                return self._write(lambda: self._patch(cid, payload["body"]), 200, payload)
            if method == "DELETE":
                del self.comments[cid]
                return Answer(204, None)
        return Answer(
            404, {"message": "Not Found", "documentation_url": _DOCS_ROOT, "status": "404"}
        )

    def _patch(self, cid: int, body: str) -> dict[str, Any]:
        self.comments[cid] = {
            **self.comments[cid],
            "body": body,
            "updated_at": "2026-11-28T11:00:00Z",
        }
        return self.comments[cid]

    def _write(self, action: Any, status: int, payload: Any) -> Answer:
        if len(str(payload.get("body", ""))) > 65536:
            return Answer(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "IssueComment",
                            "code": "custom",
                            "field": "body",
                            "message": "body is too long (maximum is 65536 characters)",
                        }
                    ],
                    "documentation_url": DOCS,
                    "status": "422",
                },
            )
        return Answer(status, _public(action()))

    def _list(self, number: int, query: dict[str, str]) -> Answer:
        per_page = min(int(query.get("per_page", "30")), 100)
        page = int(query.get("page", "1"))
        mine = [_public(c) for c in self.comments.values() if c["_number"] == number]
        last = max((len(mine) + per_page - 1) // per_page, 1)
        items = mine[(page - 1) * per_page : page * per_page]
        base = f"{self.url}/repositories/{self.repo_id}/issues/{number}/comments"
        rels = []
        if page < last:
            rels += [(page + 1, "next"), (last, "last")]
        if page > 1:
            rels = [(page - 1, "prev"), (1, "first"), *rels]
        link = ", ".join(f'<{base}?per_page={per_page}&page={p}>; rel="{r}"' for p, r in rels)
        return Answer(200, items, {"link": link} if link else {})

    def _graphql(self, payload: Any) -> Answer:
        query = str(payload.get("query", ""))
        variables = payload.get("variables") or {}
        if "minimizeComment" not in query:
            return Answer(200, {"errors": [{"message": "stand-in: unsupported query"}]})
        if self.forbid_writes:
            return Answer(
                200,
                {
                    "data": {"minimizeComment": None},
                    "errors": [
                        {
                            "type": "FORBIDDEN",
                            "path": ["minimizeComment"],
                            "message": FORBIDDEN,
                            "locations": [{"line": 1, "column": 70}],
                        }
                    ],
                },
            )
        node, classifier = variables.get("id"), variables.get("classifier")
        if node not in {c["node_id"] for c in self.comments.values()}:
            return Answer(
                200,
                {
                    "data": {"minimizeComment": None},
                    "errors": [
                        {
                            "type": "NOT_FOUND",
                            "path": ["minimizeComment"],
                            "message": "Could not resolve to a node with the global id of "
                            f"'{node}'",
                        }
                    ],
                },
            )
        self.minimized.add(str(node))
        result = {"isMinimized": True, "minimizedReason": str(classifier).lower()}
        return Answer(200, {"data": {"minimizeComment": {"minimizedComment": result}}})


_DOCS_ROOT = "https://docs.github.com/rest"
_RATE_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if not k.startswith("_")}


def _handler(standin: GitHubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            answer = standin.handle(self.command, self.path, dict(self.headers.items()), raw)
            data = b"" if answer.body is None else json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
            self.send_header("X-RateLimit-Limit", "5000")
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def pages(requests: list[Recorded]) -> Iterator[str]:
    """The ``page`` of every recorded GET (1 when absent)."""
    return (r.query.get("page", "1") for r in requests if r.method == "GET")


def sample_report(
    stack: str, *, drift: bool = True, unmapped: int = 1, diff_lines: int = 3, tag: str = ""
) -> str:
    """A body shaped like the markdown reporter's: marker, title, diff fences, unmapped table."""
    marker = json.dumps({"stack": stack, "v": 1, "drift": drift, "unmapped": unmapped})
    title = "drift found" if drift else "in sync"
    lines = [f"<!-- cloudexit-ci: {marker} -->", f"## cloudexit-ci: `{stack}` {title} {tag}", ""]
    if drift:
        diff = [f"+      - ITEM_{i:07d}=value-{i:07d}-{'x' * 40}" for i in range(diff_lines)]
        lines += [
            "<details><summary><code>docker-compose.yml</code></summary>",
            "",
            "```diff",
            "@@ -1,3 +1,3 @@",
            *diff,
            "```",
            "",
            "</details>",
            "",
        ]
    lines += ["### Unmapped resources", "", "| resource | type | reason |", "|---|---|---|"]
    lines += [f"| `aws_sqs_queue.q{i}` | aws_sqs_queue | no mapper | " for i in range(unmapped)]
    return "\n".join(lines) + "\n"
