"""Keycloak stand-in: `kc.sh start [--import-realm]` wiring only (see the Dockerfile)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

IMPORT = Path("/opt/keycloak/data/import")


def check_database() -> None:
    if os.environ.get("KC_DB") != "postgres":
        sys.exit("keycloak stand-in: only KC_DB=postgres is implemented")
    match = re.match(r"jdbc:postgresql://([^:/]+):?(\d*)/(\w+)", os.environ["KC_DB_URL"])
    if not match:
        sys.exit(f"keycloak stand-in: cannot read KC_DB_URL {os.environ['KC_DB_URL']!r}")
    host, port, name = match.group(1), match.group(2) or "5432", match.group(3)
    env = dict(os.environ, PGPASSWORD=os.environ.get("KC_DB_PASSWORD", ""))
    cmd = ["psql", "-h", host, "-p", port, "-U", os.environ.get("KC_DB_USERNAME", ""), "-d", name,
           "-v", "ON_ERROR_STOP=1", "-c", "SELECT 1"]  # fmt: skip
    for _ in range(60):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return
        time.sleep(1)
    sys.exit(f"keycloak stand-in: database {host}:{port}/{name} refused: {done.stderr}")


def realms(import_realm: bool) -> dict[str, Any]:
    if not import_realm:
        return {}
    found = {}
    for path in sorted(IMPORT.glob("*.json")):
        realm = json.loads(path.read_text())
        found[realm["realm"]] = realm
        print(f"keycloak stand-in: imported realm {realm['realm']} from {path.name}")
    return found


def handler(known: dict[str, Any], prefix: str) -> type[BaseHTTPRequestHandler]:
    base = os.environ.get("KC_HOSTNAME", "http://localhost:8080").rstrip("/")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in ("/health/ready", "/health/live", "/health"):
                return self.reply(200, {"status": "UP", "checks": []})
            match = re.fullmatch(re.escape(prefix) + r"/realms/([^/]+)(/.*)?", path)
            if not match or match.group(1) not in known:
                return self.reply(404, {"error": "Realm does not exist"})
            issuer = f"{base}/realms/{match.group(1)}"
            if match.group(2) == "/.well-known/openid-configuration":
                oidc = issuer + "/protocol/openid-connect"
                return self.reply(200, {"issuer": issuer,
                                        "authorization_endpoint": oidc + "/auth",
                                        "token_endpoint": oidc + "/token",
                                        "jwks_uri": oidc + "/certs"})  # fmt: skip
            return self.reply(200, {"realm": match.group(1)})

        def reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1: stop at once on `docker stop`
    if not argv or argv[0] not in ("start", "start-dev"):
        sys.exit("keycloak stand-in: only `start` and `start-dev` are implemented")
    check_database()
    known = realms("--import-realm" in argv)
    prefix = os.environ.get("KC_HTTP_RELATIVE_PATH", "").rstrip("/")
    management = ThreadingHTTPServer(("0.0.0.0", 9000), handler(known, prefix))
    threading.Thread(target=management.serve_forever, daemon=True).start()
    print("keycloak stand-in: listening on :8080 and :9000 (management)")
    ThreadingHTTPServer(("0.0.0.0", 8080), handler(known, prefix)).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
