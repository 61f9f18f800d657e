"""aws_db_instance / aws_rds_cluster → a pinned postgres, mysql or mariadb service.

Credentials become .env variables (the Terraform value is never read), the
data lives in a named volume, and the data plan gets a dump-and-restore item.
Parameter groups become server flags where the parameter is a plain engine
setting; AWS-only parameters (``rds.*``, ``aurora_*``) are reported lost.
"""

from __future__ import annotations

import re

from cloudexit_ci import images
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.mappers.typed import typed
from cloudexit_ci.stack import Coverage, DataMove
from cloudexit_ci.terraform.model import Resource, Values
from cloudexit_ci.values import EnvRef, Ref, Value

_ENGINES = {
    "postgres": "postgres",
    "aurora-postgresql": "postgres",
    "mysql": "mysql",
    "aurora-mysql": "mysql",
    "aurora": "mysql",
    "mariadb": "mariadb",
}
_PORTS = {"postgres": 5432, "mysql": 3306, "mariadb": 3306}
_LOST = {
    "multi_az": "Multi-AZ standby (one container; use replication or backups)",
    "replicate_source_db": "read replica of another instance (runs as an independent database)",
    "iam_database_authentication_enabled": "IAM database authentication",
    "performance_insights_enabled": "Performance Insights",
    "monitoring_interval": "enhanced monitoring",
    "storage_encrypted": "KMS storage encryption (use disk encryption)",
    "deletion_protection": "deletion protection",
    "backup_retention_period": "automated backups / PITR (schedule pg_dump or volume snapshots)",
    "max_allocated_storage": "storage autoscaling",
    "serverlessv2_scaling_configuration": "Aurora Serverless v2 scaling",
    "scaling_configuration": "Aurora Serverless v1 scaling",
    "global_cluster_identifier": "Aurora global database",
    "enable_http_endpoint": "Data API (HTTP endpoint)",
    "manage_master_user_password": "master password managed in Secrets Manager (now in .env)",
}
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*\Z")
_PARAM_VALUE = re.compile(r"^[A-Za-z0-9_.,:/+-]*\Z")
_AWS_ONLY = re.compile(r"^(rds\.|aurora|aws_)")


def map_instance(resource: Resource, ctx: MapContext) -> Coverage:
    ident = resource.values.string("identifier") or resource.values.string("identifier_prefix")
    return _map_database(resource, ctx, ident, cluster=False)


def map_cluster(resource: Resource, ctx: MapContext) -> Coverage:
    ident = resource.values.string("cluster_identifier") or resource.values.string(
        "cluster_identifier_prefix"
    )
    return _map_database(resource, ctx, ident, cluster=True)


def _map_database(resource: Resource, ctx: MapContext, ident: str, *, cluster: bool) -> Coverage:
    given = _given_credentials(ctx, resource, cluster)  # read before the secret is sealed
    estate.seal(resource, "password", "master_password")
    values = resource.values
    raw_engine = values.string("engine", "aurora" if cluster else "")
    engine = _ENGINES.get(raw_engine)
    if engine is None:
        return cover(
            resource,
            "unmapped",
            f"engine {raw_engine or '(unknown)'} has no self-hosted counterpart here "
            "(postgres, mysql, mariadb and Aurora variants are mapped)",
            blocking=True,
        )
    version, image, version_note = _image(engine, values.string("engine_version"))
    name = unique_name(safe_name(ident or resource.name, "db"), ctx.stack.services)
    env, user_ref, password = _credentials(ctx, resource, engine, name, cluster, given)
    group = _parameter_group(ctx, resource, cluster)
    flags, flag_lost = _parameter_flags(group, engine)
    port = _PORTS[engine]
    estate.add_data_service(
        ctx,
        estate.data_service(
            name,
            resource,
            image,
            mount="/var/lib/postgresql/data" if engine == "postgres" else "/var/lib/mysql",
            environment=env,
            port=port,
            healthcheck=_healthcheck(engine),
            command=flags,
            comment=f"{raw_engine} {values.string('engine_version') or ''} → {engine} {version}",
            also=(group.origin,) if group is not None and flags else (),
        ),
    )
    _register(ctx, resource, name, port, user_ref, password)
    _data_move(ctx, resource, ident or resource.name, name, engine, port)
    lost = [text for arg, text in _LOST.items() if _set(values, arg)] + flag_lost
    if version_note:
        lost.append(version_note)
    return mapped_or_partial(resource, f"{engine} {version} service `{name}`", lost, name)


def _set(values: Values, arg: str) -> bool:
    value = values.get(arg)
    return bool(value) and value not in ("0", 0, "false")


def _image(engine: str, engine_version: str) -> tuple[str, str, str]:
    table, default = {
        "postgres": (images.POSTGRES, images.POSTGRES_DEFAULT),
        "mysql": (images.MYSQL, images.MYSQL_DEFAULT),
        "mariadb": (images.MARIADB, images.MARIADB_DEFAULT),
    }[engine]
    parts = re.findall(r"\d+", engine_version)
    candidates = [parts[0]] if engine == "postgres" and parts else []
    if len(parts) >= 2:
        candidates.insert(0, f"{parts[0]}.{parts[1]}")
    for candidate in candidates:
        if candidate in table:
            return candidate, table[candidate], ""
    note = f"engine version {engine_version or '(unset)'} → nearest pinned {engine} {default}"
    return default, table[default], note if engine_version else ""


def _given_credentials(
    ctx: MapContext, resource: Resource, cluster: bool
) -> tuple[Value | None, EnvRef | None]:
    """The user name as Terraform gives it (a literal stays literal), and the password's
    .env variable when Terraform reads it from a sensitive variable (the same variable
    then serves every reader); a literal password is never copied."""
    prefix = "master_" if cluster else ""
    user = typed(ctx, resource.values.raw(f"{prefix}username"), resource.origin)
    password = typed(ctx, resource.values.raw(f"{prefix}password"), resource.origin)
    return (user or None), (password if isinstance(password, EnvRef) else None)


def _credentials(
    ctx: MapContext,
    resource: Resource,
    engine: str,
    name: str,
    cluster: bool,
    given: tuple[Value | None, EnvRef | None],
) -> tuple[tuple[tuple[str, Value], ...], Value, Value]:
    base = estate.env_name(name)
    src = resource.address
    user, password = given
    if user is None or isinstance(user, Ref):
        user = estate.plain_var(ctx, f"{base}_USER", f"{src}: database user name", resource.origin)
    if password is None:
        password = estate.secret_var(
            ctx,
            f"{base}_PASSWORD",
            f"{src}: database password (not copied from Terraform)",
            resource.origin,
        )
    db_arg = "database_name" if cluster else "db_name"
    database = resource.values.string(db_arg) or resource.values.string("name")
    env: tuple[tuple[str, Value], ...]
    if engine == "postgres":
        database = database or "postgres"  # RDS creates no other database without db_name
        estate.resolve(ctx, resource.address, db_arg, database)
        env = (("POSTGRES_USER", user), ("POSTGRES_PASSWORD", password), ("POSTGRES_DB", database))
        return env, user, password
    prefix = "MARIADB" if engine == "mariadb" else "MYSQL"
    if user == "root":  # the images refuse MYSQL_USER=root: the master user is root itself
        env = ((f"{prefix}_ROOT_PASSWORD", password),)
    else:
        root = estate.secret_var(
            ctx,
            f"{base}_ROOT_PASSWORD",
            f"{src}: {engine} root password (new, self-hosted)",
            resource.origin,
        )
        env = (
            (f"{prefix}_ROOT_PASSWORD", root),
            (f"{prefix}_USER", user),
            (f"{prefix}_PASSWORD", password),
        )
    if database:  # without db_name RDS creates no database, and neither does the image
        estate.resolve(ctx, resource.address, db_arg, database)
        env += ((f"{prefix}_DATABASE", database),)
    return env, user, password


def _healthcheck(engine: str) -> tuple[str, ...]:
    if engine == "postgres":
        return ("CMD-SHELL", 'pg_isready -U "${POSTGRES_USER}" -d "${POSTGRES_DB}"')
    if engine == "mariadb":
        return ("CMD", "healthcheck.sh", "--connect", "--innodb_initialized")
    return ("CMD-SHELL", 'mysqladmin ping -h 127.0.0.1 -uroot -p"${MYSQL_ROOT_PASSWORD}" --silent')


def _register(
    ctx: MapContext, resource: Resource, name: str, port: int, user: Value, password: Value
) -> None:
    """What functions read: instance ``endpoint`` is host:port, a cluster's is the host."""
    address = resource.address
    cluster = resource.type == "aws_rds_cluster"
    estate.resolve(ctx, address, "address", name)
    estate.resolve(ctx, address, "endpoint", name if cluster else f"{name}:{port}")
    estate.resolve(ctx, address, "reader_endpoint", name)
    estate.resolve(ctx, address, "port", str(port))
    kind = "cluster" if cluster else "db"
    estate.resolve(ctx, address, "arn", estate.arn(ctx, resource, "rds", f"{kind}:{name}"))
    estate.resolve(ctx, address, "username", user)
    estate.resolve(ctx, address, "master_username", user)
    estate.resolve(ctx, address, "password", password)
    estate.resolve(ctx, address, "master_password", password)


def _data_move(
    ctx: MapContext, resource: Resource, ident: str, name: str, engine: str, port: int
) -> None:
    postgres = engine == "postgres"
    dump = ("pg_dump --format=custom", "pg_restore") if postgres else ("mysqldump", "mysql")
    ctx.stack.data_plan.append(
        DataMove(
            "postgres" if postgres else "mysql",
            estate.data_source(
                ctx,
                resource,
                "cluster_identifier" if resource.type == "aws_rds_cluster" else "identifier",
                (("identifier", ident), ("engine", engine), ("tool", dump[0])),
            ),
            (("service", name), ("host", name), ("port", str(port)), ("tool", dump[1])),
            resource.origin,
        )
    )


def _parameter_group(ctx: MapContext, resource: Resource, cluster: bool) -> Resource | None:
    kinds = ("aws_rds_cluster_parameter_group", "db_cluster_parameter_group_name")
    type_, arg = kinds if cluster else ("aws_db_parameter_group", "parameter_group_name")
    return estate.find_by(ctx, type_, "name", resource.values.raw(arg))


def _parameter_flags(group: Resource | None, engine: str) -> tuple[tuple[str, ...], list[str]]:
    if group is None:
        return (), []
    flags: list[str] = []
    lost: list[str] = []
    for param in group.values.blocks("parameter"):
        key, value = param.string("name"), param.string("value")
        if _AWS_ONLY.match(key) or not _PARAM_NAME.match(key) or not _PARAM_VALUE.match(value):
            lost.append(f"parameter {key} (AWS-only or not a plain server setting)")
        elif engine == "postgres":
            flags += ["-c", f"{key}={value}"]
        else:
            flags.append(f"--{key.replace('_', '-')}={value}")
    return tuple(flags), lost


def map_parameter_group(resource: Resource, ctx: MapContext) -> Coverage:
    params = resource.values.blocks("parameter")
    lost = [
        f"parameter {p.string('name')} (AWS-only)"
        for p in params
        if _AWS_ONLY.match(p.string("name"))
    ]
    if not params:
        return cover(resource, "not-needed", "no parameters: the engine defaults apply")
    if not estate.shapes_a_service(ctx, resource):
        why = "no database of this configuration gets a flag from this group"
        return cover(resource, "not-needed" if not lost else "unmapped", why, lost=lost)
    reason = f"{len(params)} parameter(s) become server flags of the databases that use the group"
    return cover(resource, "partial" if lost else "mapped", reason, lost=lost)


def map_cluster_instance(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource,
        "not-needed",
        "cluster instance: the cluster's one container serves writer and readers "
        "(reader scaling is lost)",
    )


def map_proxy(resource: Resource, ctx: MapContext) -> Coverage:
    return cover(
        resource,
        "unmapped",
        "RDS Proxy: connect to the database service directly (or add PgBouncer/ProxySQL)",
    )


def map_option_group(resource: Resource, ctx: MapContext) -> Coverage:
    options = [o.string("option_name") for o in resource.values.blocks("option")]
    listed = ", ".join(sorted(o for o in options if o)) or "none"
    return cover(
        resource,
        "unmapped",
        f"DB option groups are RDS add-ons (options: {listed}): install the matching "
        "extension/plugin in the database image by hand (e.g. MariaDB audit plugin, "
        "Oracle/SQL Server features have no counterpart)",
        blocking=False,
    )
