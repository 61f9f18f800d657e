"""--emit: hand the job to an existing engine when it is too big for one machine.

spark : a ScyllaDB Migrator config.yaml (source dynamodb, target alternator,
        savepoints) and its spark-submit line.
rclone: the rclone sync / check commands for a bucket.
"""

from __future__ import annotations

import shlex
from typing import Any
from urllib.parse import urlsplit

from cloudexit_ci import yamlio
from cloudexit_ci.errors import UserError
from cloudexit_ci.migrate_data.plan import BucketJob, TableJob

SPARK_SUBMIT = (
    "spark-submit --class com.scylladb.migrator.Migrator "
    "--master spark://spark-master:7077 --conf spark.scylla.config={config} "
    "scylla-migrator-assembly.jar"
)


def _endpoint(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"host": f"{parts.scheme}://{parts.hostname}", "port": port}


def spark_config(job: TableJob, segments: int, savepoints: str, read_percent: float) -> str:
    if job.mode != "alternator":
        raise UserError("--emit spark supports alternator targets only", where="--emit")
    source: dict[str, Any] = {"type": "dynamodb", "table": job.source_table}
    source["region"] = job.source.region or "us-east-1"
    if job.source.url:
        source["endpoint"] = _endpoint(job.source.url)
    source["scanSegments"] = segments
    source["throughputReadPercent"] = read_percent
    target: dict[str, Any] = {
        "type": "alternator",
        "table": job.target_table,
        "region": job.target.region or "us-east-1",
        "endpoint": _endpoint(job.target.url or "http://scylladb:8000"),
        "streamChanges": False,
    }
    data = {
        "source": source,
        "target": target,
        "savepoints": {"path": savepoints, "intervalSeconds": 300},
        "renames": [],
    }
    return yamlio.dump(data, header=f"ScyllaDB Migrator config for {job.address}")


def spark_submit(config_path: str) -> str:
    return SPARK_SUBMIT.format(config=shlex.quote(config_path))


def rclone_commands(job: BucketJob, transfers: int) -> list[str]:
    source = f"src:{job.source_bucket}"
    target = f"dst:{job.target_bucket}"
    flags = f"--checksum --transfers {transfers} --checkers {transfers * 2}"
    return [
        f"rclone sync {shlex.quote(source)} {shlex.quote(target)} {flags} --metadata",
        f"rclone check {shlex.quote(source)} {shlex.quote(target)} --one-way",
    ]


def rclone_env(job: BucketJob) -> list[str]:
    """The RCLONE_CONFIG_* variables naming the two remotes (no secrets written)."""
    lines = [
        "RCLONE_CONFIG_SRC_TYPE=s3",
        "RCLONE_CONFIG_SRC_PROVIDER=AWS",
        "RCLONE_CONFIG_SRC_ENV_AUTH=true",
    ]
    if job.source.url:
        lines.append(f"RCLONE_CONFIG_SRC_ENDPOINT={job.source.url}")
    provider = (
        "Minio"
        if job.target_kind == "minio"
        else "SeaweedFS"
        if job.target_kind == "seaweedfs"
        else "AWS"
    )
    lines += [
        "RCLONE_CONFIG_DST_TYPE=s3",
        f"RCLONE_CONFIG_DST_PROVIDER={provider}",
        "RCLONE_CONFIG_DST_ENV_AUTH=true",
    ]
    if job.target.url:
        lines.append(f"RCLONE_CONFIG_DST_ENDPOINT={job.target.url}")
    return [f"export {shlex.quote(line)}" for line in lines]
