"""Keycloak itself, once every Cognito pool is mapped: the service, its own postgres
database, the realm imports and the edge routes (the finisher of cognito.py)."""

from __future__ import annotations

from cloudexit_ci import images, precedence
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext
from cloudexit_ci.mappers.cognito import PATH, realms
from cloudexit_ci.stack import (
    Backend,
    Dependency,
    ExtraFile,
    HealthCheck,
    HttpRoute,
    Middleware,
    Origin,
    PathMatch,
    Service,
    SourceAllowList,
    Volume,
)
from cloudexit_ci.values import EnvRef

# bash only (the Keycloak image has neither curl nor wget): HTTP GET on the management port
HEALTH = (
    "exec 3<>/dev/tcp/127.0.0.1/9000 && "
    "printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && "
    'IFS= read -r status <&3 && [[ "${status}" == *" 200 "* ]]'
)
_ADMIN_RANGES = ["127.0.0.1/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def finish(ctx: MapContext) -> None:
    found = realms(ctx)
    if not found:
        return
    ordered = sorted(found.values(), key=lambda r: r.name)
    origins = tuple(sorted({o for r in ordered for o in r.origins}))
    first = origins[0]
    db_password = estate.secret_var(
        ctx, "KEYCLOAK_DB_PASSWORD", "Keycloak's own postgres database password", first
    )
    estate.plain_var(ctx, "KEYCLOAK_ADMIN_USER", "Keycloak bootstrap admin user name", first)
    estate.secret_var(
        ctx,
        "KEYCLOAK_ADMIN_PASSWORD",
        "Keycloak bootstrap admin password (temporary: create a real admin, then remove it)",
        first,
    )
    secret_vars = sorted(ctx.family("cognito.secret_vars", set))
    ctx.stack.services["keycloak-db"] = _database(origins, db_password)
    ctx.stack.volumes["keycloak-db-data"] = Volume("keycloak-db-data")
    ctx.stack.services["keycloak"] = _keycloak(ctx, origins, secret_vars)
    files = estate.extra_files(ctx.stack)
    for realm in ordered:
        document = dict(realm.data)
        document["clients"] = sorted(realm.clients, key=lambda c: c["clientId"])
        if realm.groups:
            document["groups"] = sorted(realm.groups, key=lambda g: g["name"])
        sources = tuple(sorted({o.address for o in realm.origins}))
        files[f"keycloak/import/{realm.name}.json"] = ExtraFile("json", document, sources)
    _routes(ctx, origins)
    ctx.stack.notes.append(
        f"Keycloak serves the realms at https://{ctx.stack.domain}{PATH}/realms/<realm> "
        f"(OIDC discovery: .../.well-known/openid-configuration). Its admin console "
        f"({PATH}/admin) is routed only for private source addresses: use an SSH tunnel. "
        "Users are not migrated: export them (`aws cognito-idp list-users`), import them "
        "without passwords and let each one reset theirs; MFA must be enrolled again."
    )


def _database(origins: tuple[Origin, ...], password: EnvRef) -> Service:
    return Service(
        name="keycloak-db",
        origins=origins,
        role="data",
        image=images.POSTGRES[images.POSTGRES_DEFAULT],
        environment=(
            ("POSTGRES_DB", "keycloak"),
            ("POSTGRES_USER", "keycloak"),
            ("POSTGRES_PASSWORD", password),
        ),
        volumes=(("keycloak-db-data", "/var/lib/postgresql/data"),),
        expose=(5432,),
        healthcheck=HealthCheck(
            ("CMD-SHELL", 'pg_isready -U "${POSTGRES_USER}" -d "${POSTGRES_DB}"'),
            interval_s=10,
            retries=10,
        ),
        secrets=("KEYCLOAK_DB_PASSWORD",),
        comment="Keycloak's database (not a migrated RDS instance)",
    )


def _keycloak(ctx: MapContext, origins: tuple[Origin, ...], secret_vars: list[str]) -> Service:
    environment: list[tuple[str, str | EnvRef]] = [
        ("KC_DB", "postgres"),
        ("KC_DB_URL", "jdbc:postgresql://keycloak-db:5432/keycloak"),
        ("KC_DB_USERNAME", "keycloak"),
        ("KC_DB_PASSWORD", EnvRef("KEYCLOAK_DB_PASSWORD")),
        ("KC_BOOTSTRAP_ADMIN_USERNAME", EnvRef("KEYCLOAK_ADMIN_USER")),
        ("KC_BOOTSTRAP_ADMIN_PASSWORD", EnvRef("KEYCLOAK_ADMIN_PASSWORD")),
        ("KC_HOSTNAME", f"https://{ctx.stack.domain}{PATH}"),
        ("KC_HTTP_ENABLED", "true"),
        ("KC_HTTP_RELATIVE_PATH", PATH),
        ("KC_HTTP_MANAGEMENT_RELATIVE_PATH", "/"),
        ("KC_PROXY_HEADERS", "xforwarded"),
        ("KC_HEALTH_ENABLED", "true"),
        *((var, EnvRef(var)) for var in secret_vars),  # realm import placeholders
    ]
    return Service(
        name="keycloak",
        origins=origins,
        role="worker",
        image=images.KEYCLOAK,
        command=("start", "--import-realm"),
        environment=tuple(environment),
        networks=("frontend", "backend"),
        volumes=(("./keycloak/import", "/opt/keycloak/data/import:ro"),),
        expose=(8080,),
        healthcheck=HealthCheck(
            ("CMD", "bash", "-c", HEALTH), interval_s=15, retries=10, start_period_s=60
        ),
        depends_on=(Dependency("keycloak-db", "service_healthy"),),
        secrets=("KEYCLOAK_ADMIN_PASSWORD", "KEYCLOAK_DB_PASSWORD", *secret_vars),
        comment="Cognito user pools replacement: Keycloak (realms in keycloak/import)",
    )


def _routes(ctx: MapContext, origins: tuple[Origin, ...]) -> None:
    """Keycloak under /auth; its admin console only for private source addresses."""
    stack = ctx.stack
    stack.backends["keycloak"] = Backend(
        "keycloak", "keycloak", "keycloak", "http://keycloak:8080", origins
    )
    stack.middlewares["keycloak-admin-private"] = Middleware(
        "keycloak-admin-private", "keycloak", SourceAllowList(tuple(_ADMIN_RANGES)), origins
    )
    admin = PathMatch("prefix", f"{PATH}/admin")
    stack.http_routes.append(
        HttpRoute(
            name="keycloak",
            file="keycloak",
            backend="keycloak",
            origins=origins,
            paths=(PathMatch("prefix", f"{PATH}/"),),
            exclude=(admin,),
            priority=precedence.SYSTEM,  # never shadowed by an API's root {proxy+}
        )
    )
    stack.http_routes.append(
        HttpRoute(
            name="keycloak-admin",
            file="keycloak",
            backend="keycloak",
            origins=origins,
            paths=(admin,),
            middlewares=("keycloak-admin-private",),
            priority=precedence.SYSTEM,
        )
    )
