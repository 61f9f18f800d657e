"""Added latency of edge authorization (issue 13): `python -m bench authz`.

The generated tests/e2e/fixtures/authz stack runs as in tests/e2e (the real Traefik, the
shims and the generated gateway-auth service as processes, a stand-in OIDC server). In
the same run and in alternating order, one request at a time on a keep-alive connection:
the same function behind a public route, behind the JWT authorizer (signature, claims
and scopes checked on every request; the JWKS is cached), and behind the Lambda TOKEN
authorizer with its answer cached (the policy evaluated again per request). p50/p95 in
ms and the p50 added over the public route.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e import authz_stack as authz

RESULTS = Path(__file__).resolve().parent / "results" / "authz.json"


def timed(port: int, host: str, path: str, headers: dict[str, str], count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    out = []
    try:
        for _ in range(count):
            start = time.perf_counter()
            conn.request("GET", path, headers={"Host": host, **headers})
            resp = conn.getresponse()
            resp.read()
            out.append((time.perf_counter() - start) * 1000)
            if resp.status != 200:
                raise SystemExit(f"{path}: {resp.status}")
    finally:
        conn.close()
    return out


def run(rounds: int, per_round: int) -> dict[str, Any]:
    signer = authz.Signer()
    token = signer.token()
    cases = {
        "HTTP API, public route": ("/anything", {}),
        "HTTP API, JWT authorizer": ("/me", {"Authorization": f"Bearer {token}"}),
        "REST API, public route": ("/live/opened", {}),
        "REST API, Lambda authorizer (cached)": ("/live/vip", {"Authorization": "allow-bench"}),
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as tmp, authz.running(Path(tmp), signer) as (stack, _):
        for path, headers in cases.values():  # warm: JWKS fetched, authorizer answer cached
            timed(stack.websecure, stack.domain, path, headers, 20)
        for _ in range(rounds):
            for name, (path, headers) in cases.items():
                samples[name] += timed(stack.websecure, stack.domain, path, headers, per_round)
    return {
        name: {
            "p50_ms": round(statistics.median(values), 3),
            "p95_ms": round(statistics.quantiles(values, n=20)[18], 3),
            "requests": len(values),
        }
        for name, values in samples.items()
    }


def table(results: dict[str, Any]) -> str:
    base = {
        "HTTP": results["HTTP API, public route"]["p50_ms"],
        "REST": results["REST API, public route"]["p50_ms"],
    }
    lines = ["| route | p50 ms | p95 ms | p50 added | ratio |", "|---|---|---|---|---|"]
    for name, found in results.items():
        public = base[name.split(" ")[0]]
        added = found["p50_ms"] - public
        lines.append(
            f"| {name} | {found['p50_ms']:.2f} | {found['p95_ms']:.2f} | "
            f"{added:+.2f} | {found['p50_ms'] / public:.2f}× |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="per route and round")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.requests)
    print(table(results))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
