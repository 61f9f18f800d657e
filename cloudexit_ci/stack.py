"""The provider-neutral intermediate representation (IR): mappers turn Terraform resources
into these records; renderers turn them into files. Nothing here knows Terraform or Compose
syntax. Every record keeps its ``Origin`` so that messages, SARIF results and annotations
point home."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from cloudexit_ci.apiauth import (
    ApiKey,
    Authorizer,
    ForwardAuth,
    HttpProxy,
    MockAnswer,
    PathRewrite,
    RequestHeaders,
    RouteAuth,
    UsagePlan,
)
from cloudexit_ci.values import EnvRef, Value

Status = Literal["mapped", "partial", "inferred", "not-needed", "unmapped"]
STATUSES: tuple[Status, ...] = ("mapped", "partial", "inferred", "not-needed", "unmapped")


@dataclass(frozen=True, order=True)
class Origin:
    """Where an IR item came from: the Terraform address and its file:line."""

    address: str
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Coverage:
    """One inventory entry: what became of one Terraform resource."""

    origin: Origin
    type: str
    status: Status
    reason: str
    service: str | None = None
    lost: tuple[str, ...] = ()
    blocking: bool = False


@dataclass(frozen=True)
class HealthCheck:
    test: tuple[str, ...]
    interval_s: int = 10
    timeout_s: int = 5
    retries: int = 5
    start_period_s: int = 10


@dataclass(frozen=True)
class Build:
    """An image built from a Dockerfile (generated, or an image function's own). ``context``
    and each of ``extra_contexts`` (name → directory: the code) are relative to the output."""

    context: str
    dockerfile: str = "Dockerfile"
    extra_contexts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Dependency:
    """``service`` is a Service name, or with ``on_function`` a Function.key: the targets
    stage replaces it with the service that runs the function."""

    service: str
    condition: Literal["service_started", "service_healthy", "service_completed_successfully"]
    on_function: bool = False


@dataclass(frozen=True)
class Service:
    """A long-running or one-shot container, independent of Compose syntax."""

    name: str
    origins: tuple[Origin, ...]
    role: Literal["gateway", "function", "data", "init", "worker"]
    image: str | EnvRef | None = None
    build: Build | None = None
    command: tuple[str, ...] = ()  # literal text (a shell's `${X}` stays the shell's)
    entrypoint: tuple[str, ...] = ()
    environment: tuple[tuple[str, Value], ...] = ()
    env_files: tuple[str, ...] = ()
    networks: tuple[str, ...] = ("backend",)
    volumes: tuple[tuple[str, str], ...] = ()  # (source, container path)
    ports: tuple[str, ...] = ()  # published host ports (only the gateway by default)
    expose: tuple[int, ...] = ()
    healthcheck: HealthCheck | None = None
    depends_on: tuple[Dependency, ...] = ()
    memory_mb: int | None = None
    cpus: float | None = None
    replicas: int | None = None
    one_shot: bool = False
    secrets: tuple[str, ...] = ()
    user: str | None = None
    read_only_root: bool = False
    comment: str = ""
    serves: tuple[str, ...] = ()  # Function.key of every function this container runs
    stop_grace_s: int | None = None  # how long a clean stop takes (default: the engine's 10 s)


@dataclass(frozen=True)
class Volume:
    name: str


@dataclass(frozen=True)
class Throttle:
    rate_per_s: float
    burst: int


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age_s: int | None = None


@dataclass(frozen=True)
class Api:
    """An HTTP API front door (REST API v1 or HTTP API v2)."""

    key: str  # sanitised, unique
    name: str
    kind: Literal["rest", "http", "url"]  # url: a Lambda function URL (payload 2.0)
    origin: Origin
    stage: str = "$default"
    payload_version: Literal["1.0", "2.0"] = "1.0"
    binary_media_types: tuple[str, ...] = ()
    throttle: Throttle | None = None
    cors: Cors | None = None
    sources: tuple[Origin, ...] = ()  # stages, settings… that shaped it
    stage_in_path: bool = False  # a named stage: served under /<stage> as its invoke URL
    host: str = ""  # served on its own host name (a function URL); "": the stack's domain


@dataclass(frozen=True)
class Route:
    """METHOD path -> function, with API Gateway's path template syntax."""

    api: str  # Api.key
    method: str  # GET, POST, ... or ANY
    path: str  # /items/{id}, /files/{proxy+}, or "$default"
    function: str  # Function.key ("" when a MOCK or HTTP integration answers)
    origin: Origin
    inferred: bool = False
    throttle: Throttle | None = None
    sources: tuple[Origin, ...] = ()  # integration, resources… that shaped it
    auth: RouteAuth | None = None
    mock: MockAnswer | None = None
    proxy: HttpProxy | None = None

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"


@dataclass(frozen=True)
class Code:
    """Where a function's code comes from, relative to the Terraform directory."""

    kind: Literal["zip", "dir", "file", "image", "build", "missing"]
    path: str  # repository-relative (zip/dir/file; build: its context) or an image reference
    exists: bool = True
    dockerfile: str = ""  # build: the image's Dockerfile, relative to the context


@dataclass(frozen=True)
class Function:
    key: str  # sanitised service-safe name
    function_name: str
    runtime: str  # nodejs18.x, python3.12, ...
    handler: str
    code: Code
    memory_mb: int
    timeout_s: int
    environment: tuple[tuple[str, Value], ...]
    origin: Origin
    architecture: str = "x86_64"
    layers: tuple[tuple[str, Code], ...] = ()  # (layer version address, its code), in order
    reserved_concurrency: int | None = None  # Lambda's ceiling (0: every call throttled)
    # provisioned concurrency configs: (their origin, environments AWS keeps warm)
    provisioned: tuple[tuple[Origin, int], ...] = ()


@dataclass(frozen=True)
class FunctionImage:
    """How one function container is built (targets decide; render writes its files)."""

    service: str
    functions: tuple[str, ...]  # Function.key, sorted
    base_image: str
    family: Literal["node", "python"]
    code_root: str  # repository-relative directory that holds every function's code
    consolidated: bool = False
    runtime_dir: str = "functions/_runtime"  # the stack's one shim per runtime (a context)
    excluded: tuple[str, ...] = ()  # find -name patterns never copied into the image


@dataclass(frozen=True)
class KeySchema:
    hash_key: str
    range_key: str | None = None


@dataclass(frozen=True)
class Index:
    name: str
    keys: KeySchema
    projection: str = "ALL"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    keys: KeySchema
    attributes: tuple[tuple[str, str], ...]  # (name, S|N|B)
    origin: Origin
    gsis: tuple[Index, ...] = ()
    lsis: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    stream_view_type: str | None = None
    billing_mode: str = "PAY_PER_REQUEST"


@dataclass(frozen=True)
class Bucket:
    name: str
    origin: Origin
    versioning: bool = False
    cors: Cors | None = None
    lifecycle_expiration_days: tuple[tuple[str, int], ...] = ()  # (prefix, days)
    sources: tuple[Origin, ...] = ()  # versioning, CORS, lifecycle, notification resources
    notify_url: str = ""  # where the store sends this bucket's object events (webhook)


@dataclass(frozen=True)
class DataMove:
    """One item of the data plan: what `migrate-data --stack` copies."""

    kind: Literal["dynamodb", "s3", "postgres", "mysql"]
    source: tuple[tuple[str, str], ...]
    target: tuple[tuple[str, str], ...]
    origin: Origin
    also: tuple[Origin, ...] = ()  # what the move carries besides (a bucket's objects…)


@dataclass(frozen=True)
class EnvVar:
    """A variable the operator must provide in `.env` (never a value)."""

    name: str
    description: str
    origin: Origin | None = None
    secret: bool = True


@dataclass(frozen=True)
class PathMatch:
    """How a router matches the path: ``exact`` (``/items``), ``template`` (API Gateway's
    ``/items/{id}``, ``/files/{proxy+}``), ``glob`` (ALB's ``*``/``?``) or ``prefix``."""

    kind: Literal["exact", "template", "glob", "prefix"]
    pattern: str


@dataclass(frozen=True)
class HttpRoute:
    """One edge router: what it matches and which backend gets the request.

    ``file`` groups routers, backends and middlewares into one config file
    (an API's key, ``alb``, ``keycloak``…). Empty ``hosts`` means the stack's domain.
    """

    name: str
    file: str
    backend: str  # Backend.name
    origins: tuple[Origin, ...]
    hosts: tuple[str, ...] = ()  # exact names or ``*.example.com``
    methods: tuple[str, ...] = ()
    paths: tuple[PathMatch, ...] = ()  # any of them
    exclude: tuple[PathMatch, ...] = ()  # none of them
    priority: int | None = None
    middlewares: tuple[str, ...] = ()  # Middleware.name


@dataclass(frozen=True)
class Backend:
    """A service reachable from the edge at ``url`` (``http://name:port``)."""

    name: str
    file: str
    service: str  # the Service it reaches (the edge waits for it)
    url: str
    origins: tuple[Origin, ...] = ()
    health_path: str | None = None
    health_interval_s: int | None = None
    health_timeout_s: int | None = None
    pass_host: bool | None = True  # None: the edge's default


@dataclass(frozen=True)
class RateLimit:
    rate_per_s: float
    burst: int
    per_client: bool = True  # False: every client counts against one limit (API Gateway's)


@dataclass(frozen=True)
class SourceAllowList:
    ranges: tuple[str, ...]


@dataclass(frozen=True)
class Middleware:
    """Something the edge does before routing: a rate limit, CORS, a source allow-list."""

    name: str
    file: str
    policy: RateLimit | Cors | SourceAllowList | ForwardAuth | RequestHeaders | PathRewrite
    origins: tuple[Origin, ...] = ()


@dataclass(frozen=True)
class ExtraFile:
    """A file of the output besides compose and edge config (queue config, scripts…).

    ``kind``: ``json`` (``data`` dumped; it may hold IR values, resolved by the
    targets stage), ``template`` (``data`` is the Jinja context of ``template``),
    ``static`` (``template`` copied as is).
    """

    kind: Literal["json", "template", "static"]
    data: Any
    sources: tuple[str, ...]
    template: str = ""


@dataclass(frozen=True)
class Unresolved:
    """An expression kept out of the output because it cannot be known (reported)."""

    address: str
    attribute: str
    text: str
    reason: str
    file: str
    line: int


@dataclass
class Stack:
    """Everything a converted Terraform root becomes. Built up by mappers."""

    name: str
    domain: str
    options: dict[str, str] = field(default_factory=dict)
    region: str = "us-east-1"  # the provider's, for AWS_REGION, ARNs and the data plan
    account: str = "000000000000"  # one account id per stack, in every synthesized ARN
    apis: dict[str, Api] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    function_images: dict[str, FunctionImage] = field(default_factory=dict)  # by service
    tables: dict[str, Table] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    data_plan: list[DataMove] = field(default_factory=list)
    env_vars: dict[str, EnvVar] = field(default_factory=dict)
    function_env: dict[str, Value] = field(default_factory=dict)  # for every function container
    coverage: list[Coverage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    resource_notes: list[tuple[Origin, str]] = field(default_factory=list)  # for inventory
    paths: dict[str, str] = field(default_factory=dict)  # repo-root, terraform-dir, output-dir
    extra_files: dict[str, ExtraFile] = field(default_factory=dict)  # output path -> file
    http_routes: list[HttpRoute] = field(default_factory=list)
    backends: dict[str, Backend] = field(default_factory=dict)
    middlewares: dict[str, Middleware] = field(default_factory=dict)
    exports: dict[tuple[str, str], Value] = field(default_factory=dict)  # (address, attr)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    usage_plans: dict[str, UsagePlan] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)
