"""Run a generated stack without Docker: the real Traefik, the generated shims as local
processes, DynamoDB Local (for ScyllaDB Alternator) and SeaweedFS (for the object store).

Everything comes from the generated files: the service environment from
docker-compose.yml, the function code from the Dockerfile's unpack stage
(``COPY --from=code [src, dst]`` then unzip), the shim and its config.json
from functions/<service>/, the init steps from init/*/init.sh, and Traefik's
static and dynamic configuration from traefik/. Only what Docker would supply is
rewritten: host names (scylladb, seaweedfs, <service>:8080) become loopback
ports, `${VAR}` references get test values, TLS/ACME is dropped and
`websecure` becomes a plain HTTP entry point.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cloudexit_ci.main import main as cloudexit_main
from tests.runtime.harness import Response
from tests.servers import BIN, NODE_DIR, free_ports, traefik, wait_http

# DynamoDB Local 2.x accepts access key ids of letters and digits only.
SECRETS = {
    "APP_AWS_ACCESS_KEY_ID": "cloudexitapp",
    "APP_AWS_SECRET_ACCESS_KEY": "cloudexitappsecret",
    "S3_ROOT_USER": "cloudexitroot",
    "S3_ROOT_PASSWORD": "cloudexitrootsecret",
}
COPY = re.compile(r'^COPY --from=code \["([^"]+)", "([^"]+)"\]$')
HEALTH = "/__cloudexit/health"


@dataclass
class Endpoints:
    dynamodb: str  # DynamoDB Local, as http://127.0.0.1:P
    s3: str  # SeaweedFS S3 gateway

    def rewrite(self, value: str) -> str:
        """Compose host names -> loopback. S3 by *host name* (localhost), so a client
        that is not path-style fails as it would against MinIO."""
        s3 = self.s3.replace("127.0.0.1", "localhost")
        for internal in ("http://scylladb:8000", "http://alternator:8000"):
            value = value.replace(internal, self.dynamodb)
        for internal in ("http://minio:9000", "http://seaweedfs:8333"):
            value = value.replace(internal, s3)
        return re.sub(r"\$\{(\w+)\}", lambda m: SECRETS.get(m.group(1), "test"), value)


@dataclass
class Stack:
    out: Path
    domain: str
    compose: dict[str, Any]
    web: int
    websecure: int
    api: str
    functions: dict[str, int] = field(default_factory=dict)  # service -> port
    logs: dict[str, Path] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stop_function(self, service: str) -> None:
        """Stop one function service's process, as a crashed container would be."""
        proc = self.processes[service]
        proc.kill()
        proc.wait(timeout=10)

    @property
    def base_url(self) -> str:
        """Traefik's websecure entry point (plain HTTP here), for `cloudexit-ci smoke`."""
        return f"http://127.0.0.1:{self.websecure}"

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        port: int | None = None,
    ) -> Response:
        """Through Traefik's websecure entry point, Host = the generated domain."""
        conn = http.client.HTTPConnection("127.0.0.1", port or self.websecure, timeout=20)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", self.domain)
            for name, value in headers or []:
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return Response(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()

    def routers(self) -> list[dict[str, Any]]:
        with contextlib.closing(http.client.HTTPConnection("127.0.0.1", self.api_port())) as c:
            c.request("GET", "/api/http/routers")
            return list(json.loads(c.getresponse().read()))

    def api_port(self) -> int:
        return int(self.api.rsplit(":", 1)[1])

    def function_log(self, service: str) -> str:
        return self.logs[service].read_text(errors="replace")


def generate(tf_dir: Path, out: Path, domain: str, *extra: str) -> dict[str, Any]:
    argv = ["migrate", str(tf_dir), "--output", str(out), "--domain", domain, *extra]
    assert cloudexit_main(argv) == 0
    return dict(yaml.safe_load((out / "docker-compose.yml").read_text()))


def base_env() -> dict[str, str]:
    """What a container would have besides its compose environment (no AWS_* of ours)."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def service_env(service: dict[str, Any], endpoints: Endpoints) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {k: endpoints.rewrite(str(v)) for k, v in raw.items()}


def run_init(out: Path, compose: dict[str, Any], endpoints: Endpoints) -> None:
    """The generated one-shot init services, their real scripts (aws CLI)."""
    for name in ("dynamodb-init", "s3-init"):
        service = compose["services"].get(name)
        if service is None:
            continue
        folder = "dynamodb" if name == "dynamodb-init" else "s3"
        script = out / "init" / folder / "init.sh"
        env = {**base_env(), **service_env(service, endpoints)}
        done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"


def unpack_code(out: Path, name: str, service: dict[str, Any], task_root: Path) -> None:
    """The Dockerfile's unpack stage: COPY --from=code [src, dst], then unzip the zips."""
    context = (out / service["build"]["additional_contexts"]["code"]).resolve()
    dockerfile = (out / "functions" / name / "Dockerfile").read_text()
    copies = [m.groups() for m in map(COPY.match, dockerfile.splitlines()) if m]
    assert copies, f"no COPY --from=code in functions/{name}/Dockerfile"
    for src, dst in copies:
        target = task_root / Path(dst).relative_to("/unpack")
        source = context / src
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for staged in task_root.rglob(".cloudexit-code.zip"):
        with zipfile.ZipFile(staged) as zf:
            zf.extractall(staged.parent)
        staged.unlink()


@contextlib.contextmanager
def function_process(
    out: Path, name: str, service: dict[str, Any], endpoints: Endpoints, port: int, tmp: Path,
    processes: dict[str, subprocess.Popen[bytes]] | None = None,
) -> Iterator[Path]:  # fmt: skip
    """One generated function service as a local process (recorded in ``processes``);
    yields its log file."""
    task_root = tmp / "task" / name
    unpack_code(out, name, service, task_root)
    folder = out / "functions" / name
    # the stack's one shim per runtime, the image's named context "cloudexit-runtime"
    runtime = out / service["build"]["additional_contexts"]["cloudexit-runtime"]
    if "cloudexit-shim.cjs" in (folder / "Dockerfile").read_text():
        cmd = ["node", str(runtime / "cloudexit-shim.cjs")]
    else:
        cmd = [sys.executable, str(runtime / "cloudexit_shim.py")]
    env = {**base_env(), **service_env(service, endpoints)}
    env.update(PORT=str(port), CLOUDEXIT_CONFIG=str(folder / "config.json"))
    env.update(LAMBDA_TASK_ROOT=str(task_root), CLOUDEXIT_HOST="127.0.0.1")
    env["NODE_PATH"] = str(NODE_DIR / "node_modules")  # the image's AWS SDK v3
    log = tmp / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
    if processes is not None:
        processes[name] = proc
    try:
        wait_http(f"http://127.0.0.1:{port}{HEALTH}", timeout=20)
        yield log
    finally:
        proc.kill()
        proc.wait(timeout=10)


def traefik_config(out: Path, tmp: Path, ports: dict[str, int], entry: dict[str, int]) -> Path:
    """Generated static + dynamic config, rewritten for loopback without TLS."""
    static = yaml.safe_load((out / "traefik" / "traefik.yml").read_text())
    points = static["entryPoints"]
    for name, port in entry.items():
        points.setdefault(name, {})["address"] = f"127.0.0.1:{port}"
    static.pop("certificatesResolvers", None)
    static["api"] = {"insecure": True, "dashboard": False}
    static["log"] = {"level": "INFO"}
    dynamic = tmp / "dynamic"
    dynamic.mkdir()
    static["providers"]["file"]["directory"] = str(dynamic)
    for source in sorted((out / "traefik" / "dynamic").glob("*.yml")):
        data = yaml.safe_load(source.read_text()) or {}
        http_cfg = data.get("http", {})
        for router in http_cfg.get("routers", {}).values():
            router.pop("tls", None)
        for service in http_cfg.get("services", {}).values():
            for server in service.get("loadBalancer", {}).get("servers", []):
                server["url"] = re.sub(
                    r"^http://([\w.-]+):8080$",
                    lambda m: f"http://127.0.0.1:{ports[m.group(1)]}",
                    server["url"],
                )
        (dynamic / source.name).write_text(yaml.safe_dump(data))
    path = tmp / "traefik.yml"
    path.write_text(yaml.safe_dump(static))
    return path


def wait_routers(stack: Stack, expected: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    routers: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        routers = [r for r in stack.routers() if r.get("provider") == "file"]
        if len(routers) >= expected and all(r.get("status") == "enabled" for r in routers):
            return
        time.sleep(0.2)
    raise AssertionError(f"Traefik routers not ready: {routers}")


@contextlib.contextmanager
def running(
    tf_dir: Path, tmp: Path, endpoints: Endpoints, domain: str, *extra: str
) -> Iterator[Stack]:
    """Generate the stack from ``tf_dir`` and run it; yields a Stack to send requests to."""
    out = tmp / "stack"
    compose = generate(tf_dir, out, domain, "--object-store", "seaweedfs", *extra)
    run_init(out, compose, endpoints)
    services = {
        name: svc
        for name, svc in compose["services"].items()
        if (svc.get("labels") or {}).get("cloudexit.role") == "function" and "build" in svc
    }
    ports = free_ports(len(services) + 4)
    web, websecure, ping, api = ports[-4:]
    with contextlib.ExitStack() as stack_cm:
        logs: dict[str, Path] = {}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        for (name, svc), port in zip(services.items(), ports, strict=False):
            logs[name] = stack_cm.enter_context(
                function_process(out, name, svc, endpoints, port, tmp, processes)
            )
        function_ports = dict(zip(services, ports, strict=False))
        entry = {"web": web, "websecure": websecure, "ping": ping, "traefik": api}
        static = traefik_config(out, tmp, function_ports, entry)
        api_url = stack_cm.enter_context(traefik(static, api))
        stack = Stack(out, domain, compose, web, websecure, api_url, function_ports, logs)
        stack.processes = processes
        expected = sum(
            len((yaml.safe_load(p.read_text()) or {}).get("http", {}).get("routers", {}))
            for p in (out / "traefik" / "dynamic").glob("*.yml")
        )
        wait_routers(stack, expected)
        yield stack
