"""Every option of every command, declared once.

Each :class:`Setting` names its ``.cloudexit.yml`` key, command-line flag(s), its
``CLOUDEXIT_*`` variable, type, choices, validator, default, help and the commands
that take it. From this table come the argparse arguments (``layers.add_arguments``),
the config validation (``config.load_config``: allowed keys per section, types and
choices), the environment layer and the precedence (``layers.resolve``: command line >
``CLOUDEXIT_*`` environment > ``.cloudexit.yml`` > default) and docs/OPTIONS.md
(``options_doc``).

``scope`` says where the config file may set a setting: ``stack`` (an entry of
``stacks:``), ``check`` (the ``check:`` section) or ``command`` (the command line only:
no key, no variable). A light module: nothing heavy is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cloudexit_ci.options import PLATFORMS, WRITE_ISOLATION

Scope = Literal["stack", "check", "command"]
Kind = Literal["str", "bool", "int", "float", "size", "path", "paths", "list", "map"]

GENERATE = ("migrate", "check", "inventory")
CHECK_FORMATS = ("text", "markdown", "json", "sarif", "github")
FAIL_ON = ("drift", "error", "unmapped", "partial", "blocking")
DEFAULT_FAIL = ("drift", "error")

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\Z")
_SIZE = re.compile(r"^(\d+)\s*([kmg]i?b?)?\Z", re.IGNORECASE)


def host_name(value: str) -> str | None:
    return None if _HOSTNAME.match(value) else f"{value!r} is not a host name"


def email(value: str) -> str | None:
    return None if not value or _EMAIL.match(value) else f"{value!r} is not an e-mail address"


_REGISTRY = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*\Z")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\Z")


def registry_name(value: str) -> str | None:
    return None if _REGISTRY.match(value) else f"{value!r} is not a registry (host[:port][/path])"


def image_tag(value: str) -> str | None:
    if value == "latest":
        return "'latest' is not a pinned tag"
    return None if _TAG.match(value) else f"{value!r} is not an image tag"


def parse_size(text: str) -> int:
    """``64MB``, ``16MiB``, ``512k``, ``1024`` → bytes (ValueError otherwise)."""
    match = _SIZE.match(text.strip())
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 64MB)")
    unit = (match.group(2) or "").lower()[:1]
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


@dataclass(frozen=True)
class Setting:
    """One option. ``key`` is its ``.cloudexit.yml`` key and the base of its flag
    (``--key``) and variable (``CLOUDEXIT_KEY``) unless ``flags`` says otherwise."""

    key: str
    help: str
    commands: tuple[str, ...]
    scope: Scope = "command"
    kind: Kind = "str"
    choices: tuple[str, ...] = ()
    default: Any = None
    flags: tuple[str, ...] | None = None  # None: ("--key",); (): not on the command line
    env: bool = True  # a CLOUDEXIT_* variable (never for scope "command")
    metavar: str | None = None
    check: Callable[[str], str | None] | None = None  # an error message, or None if fine
    minimum: float | None = None  # int / float / size: the smallest allowed value
    example: str = ""  # a good value, shown in the fix of an error
    positional: bool = False
    append: bool = False  # a repeatable flag; lists and maps from the file come first
    required: bool = False  # stacks: a key every entry needs; command: a required flag
    group: str | None = None  # argparse group in --help
    dest: str | None = None  # argparse attribute (default: key with _)

    @property
    def flag_names(self) -> tuple[str, ...]:
        if self.positional:
            return ()
        return (f"--{self.key}",) if self.flags is None else self.flags

    @property
    def attr(self) -> str:
        return self.dest or self.key.replace("-", "_")

    @property
    def env_name(self) -> str | None:
        if self.scope == "command" or not self.env:
            return None
        return "CLOUDEXIT_" + self.key.upper().replace("-", "_")

    @property
    def negative(self) -> bool:
        """A bool flag that turns the setting off (``--no-inline-ignores``)."""
        return self.kind == "bool" and self.flag_names[:1] == (f"--no-{self.key}",)

    @property
    def label(self) -> str:
        """How messages name it: the flag, or the key for a config-only setting."""
        if self.positional:
            return self.metavar or self.key.upper()
        return self.flag_names[0] if self.flag_names else self.key


def _side(side: str) -> tuple[Setting, ...]:
    md = ("migrate-data",)
    return (
        Setting(f"{side}-table", f"DynamoDB table to copy {'from' if side == 'source' else 'to'}"
                + (" (default: the source table's name)" if side == "target" else ""), md,
                group=side),
        Setting(f"{side}-bucket", f"S3 bucket to copy {'from' if side == 'source' else 'to'}"
                + (" (default: the source bucket's name)" if side == "target" else ""), md,
                group=side),
        Setting(f"{side}-endpoint", "endpoint URL (default: real AWS)", md, metavar="URL",
                group=side),
        Setting(f"{side}-region", "region (default: $AWS_REGION, else us-east-1)", md,
                group=side),
        Setting(f"{side}-access-key-env", "variable holding the access key id", md,
                metavar="ENV", group=side),
        Setting(f"{side}-secret-key-env", "variable holding the secret key", md, metavar="ENV",
                group=side),
    )  # fmt: skip


_STACK = (
    Setting("terraform", "the Terraform root module (default: every stack of .cloudexit.yml)",
            GENERATE, "stack", "path", env=False, positional=True, metavar="TERRAFORM_DIR",
            dest="terraform_dir", required=True),
    Setting("output", "the generated stack's directory", GENERATE, "stack", "path",
            flags=("--output", "-o"), env=False, metavar="OUT", required=True,
            example="./self-hosted"),
    Setting("name", "Compose project name (default: OUT's name)", GENERATE, "stack"),
    Setting("domain", "public host name Traefik serves", GENERATE, "stack",
            default="api.example.com", check=host_name, example="api.example.com"),
    Setting("serverless-mode", "one container per function, or all functions in one",
            GENERATE, "stack", choices=("containerized", "consolidated"),
            default="containerized"),
    Setting("dynamodb-mode", "DynamoDB tables on ScyllaDB's Alternator API, or as CQL tables",
            GENERATE, "stack", choices=("alternator", "cql"), default="alternator"),
    Setting("object-store", "what serves the S3 buckets", GENERATE, "stack",
            choices=("minio", "seaweedfs"), default="minio"),
    Setting("acme-email", "ACME (Let's Encrypt) account e-mail for Traefik's TLS",
            GENERATE, "stack", default="", metavar="EMAIL", check=email,
            example="ops@example.com"),
    Setting("alternator-write-isolation", "Alternator's write isolation", GENERATE, "stack",
            choices=WRITE_ISOLATION, default="only_rmw_uses_lwt"),
    Setting("platform", "where the stack runs: one host (Compose), Docker Swarm or "
            "Kubernetes (docs/PLATFORMS.md)", GENERATE, "stack", choices=PLATFORMS,
            default="compose"),
    Setting("registry", "swarm/kubernetes: the image registry the built images are pushed to",
            GENERATE, "stack", default="localhost:5000", check=registry_name,
            example="registry.example.com/team"),
    Setting("image-tag", "swarm/kubernetes: the tag of the built images", GENERATE, "stack",
            default="v1", check=image_tag, example="v1.4.2"),
    Setting("var-files", "a .tfvars file (repeatable; the file's list first)", GENERATE,
            "stack", "paths", flags=("--var-file",), env=False, metavar="FILE", append=True),
    Setting("vars", "a Terraform variable NAME=VALUE (repeatable; the file's mapping first)",
            GENERATE, "stack", "map", flags=("--var",), env=False, metavar="NAME=VALUE",
            append=True),
    Setting("terraform-json", "`terraform show -json` of a plan or state: Terraform's own "
            "names, instances, variables, regions and values (docs/TERRAFORM-JSON.md)",
            GENERATE, "stack", "path", env=False, metavar="FILE"),
    Setting("code-dirs", "where a function's code lives: function address or name → folder "
            "(relative to the config file; also when that stack's directory is given on the "
            "command line; docs/FUNCTION-CODE.md)", GENERATE, "stack", "map", flags=(),
            env=False),
    Setting("config", "path of .cloudexit.yml (default: ./.cloudexit.yml or .yaml)",
            GENERATE, "command", "path", metavar="FILE"),
)  # fmt: skip

_CHECK = (
    Setting("format", "report format", ("check",), "check", choices=CHECK_FORMATS,
            default="text"),
    Setting("fail-on", "what fails the check (comma list)", ("check",), "check", "list",
            choices=FAIL_ON, default=DEFAULT_FAIL, metavar="LIST",
            example="drift,unmapped"),
    Setting("soft-fail", "findings never fail (user errors still exit 2)", ("check",),
            "check", "bool", default=False),
    Setting("inline-ignores", "honour `# cloudexit:ignore` comments in the Terraform "
            "(the flag turns them off)",
            ("check",), "check", "bool", default=True, flags=("--no-inline-ignores",)),
    Setting("data-plan-base", "compare the data plan with the manifest at this commit "
            "(a pull request's base)", ("check",), "check", metavar="GIT_REF"),
    Setting("fix", "rewrite the output (exit 1 if it changed)", ("check",), kind="bool",
            default=False),
    Setting("report-file", "write the report here instead of stdout", ("check",),
            kind="path", metavar="FILE"),
    Setting("run-url", "link shown in markdown reports (default: the GitHub Actions run)",
            ("check",), metavar="URL"),
    Setting("format", "output format", ("inventory",), choices=("text", "json"),
            default="text"),
)  # fmt: skip

_MD = ("migrate-data",)
_MIGRATE_DATA = (
    Setting("kind", "what to copy (or --stack)", _MD, choices=("dynamodb", "s3"),
            positional=True, metavar="KIND"),
    Setting("stack", "a generated stack: run its manifest's dataPlan", _MD, kind="path",
            metavar="OUT", group="stack-driven"),
    Setting("only", "only this data-plan item (repeatable)", _MD, "command", "list",
            metavar="ADDRESS", append=True, default=(), group="stack-driven"),
    Setting("target-endpoint-override", "the URL of a stack service, e.g. "
            "minio=http://127.0.0.1:9000 (repeatable)", _MD, kind="list",
            metavar="SERVICE=URL", append=True, default=(), group="stack-driven"),
    *_side("source"),
    *_side("target"),
    Setting("target-mode", "DynamoDB target API", _MD, choices=("alternator", "cql"),
            default="alternator", group="target"),
    Setting("target-keyspace", "CQL keyspace (--target-mode cql)", _MD, group="target"),
    Setting("target-hosts", "CQL contact points, comma-separated", _MD, group="target"),
    Setting("target-kind", "S3 target server", _MD, choices=("minio", "seaweedfs", "s3"),
            default="minio", group="target"),
    Setting("state-dir", "checkpoints live here", _MD, kind="path", metavar="DIR",
            group="run"),
    Setting("resume", "continue after a crash", _MD, kind="bool", default=False, group="run"),
    Setting("restart", "discard the checkpoint", _MD, kind="bool", default=False,
            group="run"),
    Setting("segments", "parallel scan segments", _MD, kind="int", default=4, minimum=1,
            group="run"),
    Setting("workers", "writer / copier threads", _MD, kind="int", default=16, minimum=1,
            group="run"),
    Setting("batch-size", "items per BatchWriteItem", _MD, kind="int", default=25,
            minimum=1, group="run"),
    Setting("page-size", "items per scan page", _MD, kind="int", default=1000, minimum=1,
            group="run"),
    Setting("max-read-rate", "RCU/s cap on the source (0: none)", _MD, kind="float",
            default=0.0, minimum=0, group="run"),
    Setting("checkpoint-every", "DynamoDB: rewrite the checkpoint at most this often "
            "(0: after every page)", _MD, kind="float", default=1.0, minimum=0,
            metavar="SECONDS", group="run"),
    Setting("verify", "prove the copy", _MD, choices=("count", "sample", "full"), group="run"),
    Setting("progress", "progress display", _MD, choices=("auto", "tty", "plain", "none"),
            default="auto", group="run"),
    Setting("create-target", "create a missing target table or bucket (the flag: do not)", _MD,
            kind="bool", default=True, flags=("--no-create-target",), group="run"),
    Setting("multipart-threshold", "S3: copy objects from this size in parts", _MD,
            kind="size", default=64 * 1024**2, minimum=1, metavar="SIZE", group="run"),
    Setting("part-size", "S3: part size of multipart copies", _MD, kind="size",
            default=16 * 1024**2, minimum=1, metavar="SIZE", group="run"),
    Setting("skip-invalid-keys", "S3: skip keys the target cannot hold (else an error)", _MD,
            kind="bool", default=False, group="run"),
    Setting("dry-run", "print the plan and stop", _MD, kind="bool", default=False,
            group="run"),
    Setting("emit", "print the scale-out job instead of copying", _MD,
            choices=("spark", "rclone"), group="run"),
    Setting("emit-dir", "where --emit spark writes its config", _MD, kind="path",
            metavar="DIR", group="run"),
    Setting("savepoints", "ScyllaDB Migrator savepoints (--emit spark)", _MD,
            default="/app/savepoints", group="run"),
)  # fmt: skip

_C = ("comment",)
_COMMENT = (
    Setting("body-file", "the markdown report", _C, kind="path", metavar="FILE",
            required=True),
    Setting("stack", "stack id of the sticky comment (default: from the body's marker)", _C),
    Setting("behaviour", "update the comment in place, or post a new one and keep / hide / "
            "delete the old", _C, choices=("update", "new", "hide-and-new", "delete-and-new"),
            default="update", flags=("--behaviour", "--behavior")),
    Setting("skip-no-diff", "post no first comment when in sync (an existing one is still "
            "updated)", _C, kind="bool", default=False),
    Setting("repo", "owner/name (default: $GITHUB_REPOSITORY)", _C),
    Setting("pr", "pull request number (default: from $GITHUB_EVENT_PATH)", _C, kind="int",
            minimum=1),
    Setting("token-env", "variable holding the token", _C, default="GITHUB_TOKEN",
            metavar="NAME"),
    Setting("report-json", "check's json report: sets the outputs drift, unmapped-count, "
            "report-path", _C, kind="path", metavar="FILE"),
    Setting("step-summary", "append the body (cut to 1 MiB) to $GITHUB_STEP_SUMMARY", _C,
            kind="bool", default=False),
    Setting("no-post", "do not call the GitHub API", _C, kind="bool", default=False),
)  # fmt: skip

_SM = ("smoke",)
_SMOKE = (
    Setting("stack", "the generated stack's directory (its .cloudexit/manifest.json)", _SM,
            kind="path", metavar="DIR", required=True),
    Setting("base-url", "where the requests go, with Host: <the manifest's domain> "
            "(default: https://<that domain>)", _SM, metavar="URL"),
    Setting("format", "report format", _SM, choices=("text", "json"), default="text"),
    Setting("allow-writes", "also probe routes of other methods than GET, HEAD, OPTIONS and "
            "ANY (POST, PUT, PATCH, DELETE… with an empty JSON object as body)", _SM,
            kind="bool", default=False),
    Setting("insecure", "accept any TLS certificate (Traefik's self-signed default one, "
            "before ACME issued the domain's)", _SM, kind="bool", default=False),
    Setting("timeout", "seconds to wait for each answer", _SM, kind="float", default=30.0,
            minimum=0.1, metavar="SECONDS"),
    Setting("compose", "check each function service's container with `docker compose ps` "
            "when docker is on PATH and the stack runs here (the flag: do not)", _SM,
            kind="bool", default=True, flags=("--no-compose",)),
    Setting("compose-project", "Compose project name (default: the compose file's `name:`, "
            "or $COMPOSE_PROJECT_NAME)", _SM, metavar="NAME"),
)  # fmt: skip

SETTINGS: tuple[Setting, ...] = (*_STACK, *_CHECK, *_MIGRATE_DATA, *_COMMENT, *_SMOKE)

REMOVED: dict[str, str] = {
    "output-file": "pass --report-file FILE on the command line (a file in the config would "
    "also swallow the action's --format github annotations)",
}  # config keys that once were accepted: the fix to show instead of "unknown key"


def for_command(command: str) -> tuple[Setting, ...]:
    return tuple(s for s in SETTINGS if command in s.commands)


def in_scope(scope: Scope) -> dict[str, Setting]:
    """The config keys of one section: ``stack`` (a ``stacks:`` entry) or ``check``."""
    return {s.key: s for s in SETTINGS if s.scope == scope}


def setting(key: str, command: str) -> Setting:
    return next(s for s in SETTINGS if s.key == key and command in s.commands)
