"""ScyllaDB (Alternator or CQL) for DynamoDB tables; MinIO or SeaweedFS for buckets."""

from __future__ import annotations

from cloudexit_ci import images
from cloudexit_ci.options import Options
from cloudexit_ci.stack import (
    Dependency,
    EnvVar,
    ExtraFile,
    HealthCheck,
    Origin,
    Service,
    Stack,
    Volume,
)
from cloudexit_ci.values import EnvRef, Value

ALTERNATOR_URL = "http://scylladb:8000"


def add_dynamodb(stack: Stack, options: Options) -> None:
    if not stack.tables:
        return
    origins = tuple(t.origin for _, t in sorted(stack.tables.items()))
    command = [
        "--smp", "1", "--memory", "1G", "--overprovisioned", "1",
        "--developer-mode", "1", "--api-address", "0.0.0.0",
    ]  # fmt: skip
    if options.dynamodb_mode == "alternator":
        command += [
            "--alternator-port", "8000",
            "--alternator-write-isolation", options.write_isolation,
        ]  # fmt: skip
    stack.volumes["scylladb-data"] = Volume("scylladb-data")
    stack.services["scylladb"] = Service(
        name="scylladb",
        origins=origins,
        role="data",
        image=images.SCYLLA,
        command=tuple(command),
        volumes=(("scylladb-data", "/var/lib/scylla"),),
        expose=(8000, 9042) if options.dynamodb_mode == "alternator" else (9042,),
        healthcheck=HealthCheck(
            ("CMD-SHELL", "cqlsh -e 'SELECT now() FROM system.local' >/dev/null || exit 1"),
            interval_s=10,
            timeout_s=10,
            retries=30,
            start_period_s=60,
        ),
        memory_mb=1536,
        comment="DynamoDB replacement: ScyllaDB"
        + (
            " with the DynamoDB-compatible Alternator API on :8000"
            if options.dynamodb_mode == "alternator"
            else " (CQL on :9042)"
        ),
    )
    init_command = ("/bin/sh", "/init/init.sh")
    stack.services["dynamodb-init"] = Service(
        name="dynamodb-init",
        origins=origins,
        role="init",
        image=images.AWS_CLI if options.dynamodb_mode == "alternator" else images.SCYLLA,
        entrypoint=init_command,
        volumes=(("./init/dynamodb", "/init:ro"),),
        environment=(
            ("AWS_ACCESS_KEY_ID", "alternator"),
            ("AWS_SECRET_ACCESS_KEY", "alternator"),
            ("AWS_DEFAULT_REGION", stack.region),
            ("AWS_ENDPOINT_URL_DYNAMODB", ALTERNATOR_URL),
            ("CQL_HOST", "scylladb"),
        )
        if options.dynamodb_mode == "alternator"
        else (("CQL_HOST", "scylladb"),),
        depends_on=(Dependency("scylladb", "service_healthy"),),
        one_shot=True,
        comment="one-shot: creates every table, index and TTL setting",
    )


def add_object_store(stack: Stack, options: Options) -> None:
    if not stack.buckets:
        return
    origins = tuple(b.origin for _, b in sorted(stack.buckets.items()))
    for name, text in (
        ("S3_ROOT_USER", "object store administrator user"),
        ("S3_ROOT_PASSWORD", "object store administrator password (at least 8 characters)"),
        ("APP_AWS_ACCESS_KEY_ID", "access key the functions use for S3 (created by s3-init)"),
        (
            "APP_AWS_SECRET_ACCESS_KEY",
            "secret key the functions use for S3 (at least 8 characters)",
        ),
    ):
        stack.env_vars[name] = EnvVar(name, text, origins[0])
    if options.object_store == "seaweedfs":
        _seaweedfs(stack, origins)
    else:
        _minio(stack, origins)


def _minio(stack: Stack, origins: tuple[Origin, ...]) -> None:
    stack.volumes["minio-data"] = Volume("minio-data")
    cors = sorted({o for b in stack.buckets.values() if b.cors for o in b.cors.allow_origins})
    env: list[tuple[str, Value]] = [
        ("MINIO_ROOT_USER", EnvRef("S3_ROOT_USER")),
        ("MINIO_ROOT_PASSWORD", EnvRef("S3_ROOT_PASSWORD")),
    ]
    if cors:
        env.append(("MINIO_API_CORS_ALLOW_ORIGIN", ",".join(cors)))
    webhook = _notify_url(stack)
    if (
        webhook
    ):  # the init job subscribes each notified bucket to it (arn:minio:sqs::LAMBDA:webhook)
        env += [
            ("MINIO_NOTIFY_WEBHOOK_ENABLE_LAMBDA", "on"),
            ("MINIO_NOTIFY_WEBHOOK_ENDPOINT_LAMBDA", webhook),
        ]
    stack.services["minio"] = Service(
        name="minio",
        origins=origins,
        role="data",
        image=images.MINIO,
        command=("server", "/data", "--console-address", ":9001"),
        environment=tuple(env),
        volumes=(("minio-data", "/data"),),
        expose=(9000, 9001),
        healthcheck=HealthCheck(("CMD", "mc", "ready", "local"), interval_s=5, retries=30),
        comment="S3 replacement: MinIO (a frozen community image; see README)",
    )
    stack.services["s3-init"] = _s3_init(origins, images.MINIO_MC, "minio")


def _seaweedfs(stack: Stack, origins: tuple[Origin, ...]) -> None:
    stack.volumes["seaweedfs-data"] = Volume("seaweedfs-data")
    stack.services["seaweedfs"] = Service(
        name="seaweedfs",
        origins=origins,
        role="data",
        image=images.SEAWEEDFS,
        command=("server", "-dir=/data", "-s3", "-s3.port=8333"),
        volumes=(("seaweedfs-data", "/data"), *_seaweedfs_notify(stack)),
        expose=(8333,),
        healthcheck=HealthCheck(
            ("CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8333/status || exit 1"),
            interval_s=5,
            retries=30,
        ),
        comment="S3 replacement: SeaweedFS (Apache-2.0); no S3 auth inside the private network",
        stop_grace_s=30,  # `weed server` flushes for ~25 s on SIGTERM
    )
    stack.services["s3-init"] = _s3_init(origins, images.AWS_CLI, "seaweedfs")


def _notify_url(stack: Stack) -> str:
    return next((b.notify_url for _, b in sorted(stack.buckets.items()) if b.notify_url), "")


def _seaweedfs_notify(stack: Stack) -> tuple[tuple[str, str], ...]:
    """The filer's webhook notification (every object event, the receiver filters)."""
    webhook = _notify_url(stack)
    if not webhook:
        return ()
    sources = tuple(
        sorted({o.address for b in stack.buckets.values() if b.notify_url for o in b.sources})
    )
    stack.extra_files["seaweedfs/notification.toml"] = ExtraFile(
        "template", {"endpoint": webhook}, sources, "extras/seaweedfs-notification.toml.j2"
    )
    return (("./seaweedfs/notification.toml", "/etc/seaweedfs/notification.toml:ro"),)


def _s3_init(origins: tuple[Origin, ...], image: str, store: str) -> Service:
    port = 9000 if store == "minio" else 8333
    return Service(
        name="s3-init",
        origins=origins,
        role="init",
        image=image,
        entrypoint=("/bin/sh", "/init/init.sh"),
        volumes=(("./init/s3", "/init:ro"),),
        environment=(
            ("S3_ENDPOINT", f"http://{store}:{port}"),
            ("S3_ROOT_USER", EnvRef("S3_ROOT_USER")),
            ("S3_ROOT_PASSWORD", EnvRef("S3_ROOT_PASSWORD")),
            ("APP_AWS_ACCESS_KEY_ID", EnvRef("APP_AWS_ACCESS_KEY_ID")),
            ("APP_AWS_SECRET_ACCESS_KEY", EnvRef("APP_AWS_SECRET_ACCESS_KEY")),
        ),
        depends_on=(Dependency(store, "service_healthy"),),
        one_shot=True,
        comment="one-shot: creates every bucket under its original name, versioning, CORS, expiry",
    )
