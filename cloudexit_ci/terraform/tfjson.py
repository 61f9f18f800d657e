"""``terraform show -json`` output, a plan or a state, read into an index.

Plan (``terraform show -json plan.out``, ``format_version`` 1.x):
``resource_changes[].change`` (``after``, ``after_unknown``, ``after_sensitive``; deleted,
forgotten and deposed objects skipped), the data sources ``prior_state`` read during the
plan, ``variables``, and from ``configuration``: the default ``provider_config`` regions
(a constant or one ``var.`` reference), which root variables are sensitive, and which
resources and module calls the configuration declares (so ``count = 0`` is known).
State (``terraform show -json``): ``values.root_module`` with ``child_modules``, each
resource's ``values`` and ``sensitive_values``.

Outputs, ``before`` values and ``prior_state`` are read only for their secrets (values
marked sensitive, sensitive outputs), which are masked wherever they appear. Checks,
drift, ``relevant_attributes``, expressions' ``references`` and output values are
ignored. Module instances and resource instance keys are parsed from Terraform's
addresses and rebuilt with the loader's own ``key_suffix``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudexit_ci.errors import UserError
from cloudexit_ci.terraform.byvalue import mask_at
from cloudexit_ci.terraform.files import read_text
from cloudexit_ci.terraform.instances import key_suffix
from cloudexit_ci.terraform.typed import walk

FIX = (
    "terraform plan -out plan.out && terraform show -json plan.out > plan.json "
    "(or, for the state: terraform show -json > state.json)"
)
_CALL = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?(?:\.|\Z)')
_KEYS = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')

Key = str | int | None


@dataclass(frozen=True)
class JsonResource:
    """One resource instance as Terraform's JSON describes it."""

    address: str  # as the loader writes it (``base`` + ``key_suffix(key)``)
    mode: str  # "managed" | "data"
    type: str
    base: str  # the address without its instance key
    key: Key
    values: Mapping[str, Any]
    unknown: Any = False  # after_unknown (plans only)
    sensitive: Any = False  # after_sensitive / sensitive_values


@dataclass(frozen=True)
class TerraformJson:
    """A plan's or a state's JSON, indexed for the loader."""

    path: str  # as messages name it
    kind: str  # "plan" | "state"
    resources: Mapping[tuple[str, Key], JsonResource]
    modules: Mapping[str, tuple[Key, ...]]  # module call address → its instance keys
    declared: frozenset[str] | None = None  # plan: resources and calls, without keys
    variables: Mapping[str, Any] = field(default_factory=dict)
    sensitive_variables: frozenset[str] = frozenset()
    regions: Mapping[str, str] = field(default_factory=dict)  # "aws" / "aws.west" → region
    secrets: frozenset[str] = frozenset()

    def resource_keys(self, base: str) -> list[Key]:
        return sorted((k for b, k in self.resources if b == base), key=_key_order)

    def is_declared(self, address: str) -> bool:
        """The plan's configuration declares the resource or module call ``address``."""
        return self.declared is not None and static(address) in self.declared


def static(address: str) -> str:
    """``module.a[0].aws_x.y["k"]`` → ``module.a.aws_x.y``."""
    return _KEYS.sub("", address)


def _key_order(key: Key) -> tuple[int, str]:
    return (0, f"{key:012d}") if isinstance(key, int) else (1, str(key))


def load_json(path: Path, shown: str) -> TerraformJson:
    """Read and index ``path``; a file that is no plan or state JSON is a UserError."""
    if not path.is_file():
        raise UserError("the Terraform JSON file does not exist", where=shown, hint=FIX)
    text = read_text(path, shown)  # recorded: the render cache sees its content
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"invalid JSON: {exc.msg}", where=f"{shown}:{exc.lineno}", hint=FIX
        ) from None
    kind = _kind(document, shown)
    reader = _Reader(shown)
    if kind == "plan":
        reader.plan(document)
    else:
        reader.state(document.get("values") or {}, "values")
    return reader.result(kind)


def _kind(document: Any, shown: str) -> str:
    version = document.get("format_version") if isinstance(document, dict) else None
    if not isinstance(version, str):
        raise UserError("not the JSON of a Terraform plan or state (no format_version)",
                        where=shown, hint=FIX)  # fmt: skip
    if version.split(".")[0] != "1":
        raise UserError(f"format_version {version} is not supported (1.x is)",
                        where=f"{shown}: format_version", hint=FIX)  # fmt: skip
    assert isinstance(document, dict)
    if any(k in document for k in ("planned_values", "resource_changes", "configuration")):
        return "plan"
    values = document.get("values")
    if isinstance(values, dict) and isinstance(values.get("root_module", {}), dict):
        return "state"
    if values is None and set(document) <= {"format_version", "terraform_version"}:
        return "state"  # `terraform show -json` of an empty state
    raise UserError("neither a plan (planned_values, resource_changes) nor a state "
                    "(values.root_module)", where=shown, hint=FIX)  # fmt: skip


class _Reader:
    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.resources: dict[tuple[str, Key], JsonResource] = {}
        self.modules: dict[str, dict[Key, None]] = {}
        self.secrets: set[str] = set()
        self.declared: frozenset[str] | None = None
        self.variables: dict[str, Any] = {}
        self.sensitive_variables: frozenset[str] = frozenset()
        self.regions: dict[str, str] = {}

    def result(self, kind: str) -> TerraformJson:
        return TerraformJson(
            self.shown, kind, self.resources,
            {call: tuple(keys) for call, keys in self.modules.items()},
            self.declared, self.variables, self.sensitive_variables, self.regions,
            frozenset(s for s in self.secrets if s),
        )  # fmt: skip

    def where(self, key: str) -> str:
        return f"{self.shown}: {key}"

    # -- state / values representation -----------------------------------------------
    def state(self, values: Any, key: str, *, only_data: bool = False) -> None:
        if not isinstance(values, dict):
            raise self.bad(key, "must be an object")
        self.outputs(values.get("outputs"))
        root = values.get("root_module")
        if root is not None:
            self.module(root, f"{key}.root_module", only_data=only_data)

    def module(self, module: Any, key: str, *, only_data: bool) -> None:
        if not isinstance(module, dict):
            raise self.bad(key, "must be an object")
        prefix = self.module_prefix(module.get("address"), key)
        for i, item in enumerate(self.items(module, "resources", key)):
            where = f"{key}.resources[{i}]"
            values = item.get("values")
            sensitive = item.get("sensitive_values", False)
            self.collect_secrets(values, sensitive)
            if not only_data or item.get("mode") == "data":
                self.add(item, prefix, values, False, sensitive, where)
        for i, child in enumerate(self.items(module, "child_modules", key)):
            self.module(child, f"{key}.child_modules[{i}]", only_data=only_data)

    def outputs(self, outputs: Any) -> None:
        if isinstance(outputs, dict):
            for output in outputs.values():
                if isinstance(output, dict) and output.get("sensitive") is True:
                    self.collect_secrets(output.get("value"), True)

    # -- plan ----------------------------------------------------------------------------
    def plan(self, document: dict[str, Any]) -> None:
        for i, change in enumerate(self.items(document, "resource_changes", "")):
            self.change(change, f"resource_changes[{i}]")
        prior = document.get("prior_state")
        if isinstance(prior, dict) and prior.get("values") is not None:
            self.state(prior["values"], "prior_state.values", only_data=True)
        planned = document.get("planned_values")
        if isinstance(planned, dict):
            self.outputs(planned.get("outputs"))
        self.output_changes(document.get("output_changes"))
        configuration = document.get("configuration")
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        declared = self.sensitivity(root if isinstance(root, dict) else {})
        self.variables = self.plan_variables(document.get("variables"))
        if isinstance(configuration, dict):
            self.declared = frozenset(declared)
            self.regions = self.provider_regions(configuration.get("provider_config"))

    def change(self, item: dict[str, Any], key: str) -> None:
        body = item.get("change")
        if not isinstance(body, dict):
            raise self.bad(f"{key}.change", "must be an object")
        self.identity(item, key)
        self.collect_secrets(body.get("before"), body.get("before_sensitive", False))
        after, sensitive = body.get("after"), body.get("after_sensitive", False)
        self.collect_secrets(after, sensitive)
        actions = body.get("actions") or []
        gone = ("delete" in actions and "create" not in actions) or "forget" in actions
        if "deposed" in item or gone or not isinstance(after, dict):
            return
        module = item.get("module_address")
        prefix = self.module_prefix(module, f"{key}.module_address")
        unknown = body.get("after_unknown", False)
        self.add(item, prefix, after, unknown, sensitive, key)

    def output_changes(self, changes: Any) -> None:
        if isinstance(changes, dict):
            for change in changes.values():
                if isinstance(change, dict):
                    for side in ("before", "after"):
                        self.collect_secrets(change.get(side), change.get(f"{side}_sensitive"))

    def sensitivity(self, root: dict[str, Any], prefix: str = "") -> set[str]:
        """Sensitive root variables (noted), and every declared resource and call."""
        if not prefix:
            variables = root.get("variables")
            names = variables.items() if isinstance(variables, dict) else ()
            self.sensitive_variables = frozenset(
                n for n, v in names if isinstance(v, dict) and v.get("sensitive") is True
            )
        declared = {
            prefix + str(r.get("address"))
            for r in root.get("resources") or ()
            if isinstance(r, dict) and isinstance(r.get("address"), str)
        }
        calls = root.get("module_calls")
        for name, call in calls.items() if isinstance(calls, dict) else ():
            declared.add(f"{prefix}module.{name}")
            child = call.get("module") if isinstance(call, dict) else None
            if isinstance(child, dict):
                declared |= self.sensitivity(child, f"{prefix}module.{name}.")
        return declared

    def plan_variables(self, variables: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, item in variables.items() if isinstance(variables, dict) else ():
            if isinstance(item, dict) and "value" in item:
                out[str(name)] = item["value"]
                if name in self.sensitive_variables:
                    self.collect_secrets(item["value"], True)
        return out

    def provider_regions(self, configs: Any) -> dict[str, str]:
        """The root module's aws provider configurations whose region is known."""
        out: dict[str, str] = {}
        for config in configs.values() if isinstance(configs, dict) else ():
            if not isinstance(config, dict) or config.get("module_address"):
                continue
            expressions = config.get("expressions")
            region = expressions.get("region") if isinstance(expressions, dict) else None
            found = self.expression_value(region)
            if isinstance(found, str) and found and isinstance(config.get("name"), str):
                alias = config.get("alias")
                out[f"{config['name']}.{alias}" if alias else config["name"]] = found
        return out

    def expression_value(self, expression: Any) -> Any:
        if not isinstance(expression, dict):
            return None
        if "constant_value" in expression:
            return expression["constant_value"]
        references = [r for r in expression.get("references") or () if isinstance(r, str)]
        names = {r[4:] for r in references if r.startswith("var.") and "." not in r[4:]}
        if len(names) == 1 and not names & self.sensitive_variables:
            return self.variables.get(names.pop())
        return None

    # -- shared --------------------------------------------------------------------------
    def add(self, item: dict[str, Any], prefix: str, values: Any, unknown: Any,
            sensitive: Any, key: str) -> None:  # fmt: skip
        mode, type_, name = self.identity(item, key)
        if not isinstance(values, dict):
            raise self.bad(key, "needs its values as an object")
        index = item.get("index")
        if isinstance(index, float) and index.is_integer():
            index = int(index)
        if index is not None and not isinstance(index, (str, int)):
            raise self.bad(f"{key}.index", "must be a number or a string")
        base = f"{prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
        canonical = base + key_suffix(index)  # the loader's spelling of Terraform's address
        resource = JsonResource(
            canonical, str(mode), str(type_), base, index, values, unknown, sensitive
        )
        self.resources[(base, index)] = resource

    def identity(self, item: dict[str, Any], key: str) -> tuple[str, str, str]:
        """(mode, type, name) of a resource entry, which must have them and an address."""
        found = [item.get(k) for k in ("address", "mode", "type", "name")]
        if not all(isinstance(v, str) and v for v in found):
            raise self.bad(key, "needs string address, mode, type and name")
        return str(found[1]), str(found[2]), str(found[3])

    def module_prefix(self, address: Any, key: str) -> str:
        """A module instance address → the loader's prefix (``module.a[0].``); notes each
        module call's instance on the way."""
        if address in (None, ""):
            return ""
        if not isinstance(address, str):
            raise self.bad(key, "must be a module address")
        prefix, position = "", 0
        while position < len(address):
            match = _CALL.match(address, position)
            if match is None:
                raise self.bad(key, f"{address!r} is not a module address")
            call = f"{prefix}module.{match.group(1)}"
            instance = self.instance_key(match.group(2), key)
            self.modules.setdefault(call, {})[instance] = None
            prefix, position = f"{call}{key_suffix(instance)}.", match.end()
        return prefix

    def instance_key(self, text: str | None, key: str) -> Key:
        if text is None:
            return None
        if text.isdigit():
            return int(text)
        try:
            return str(json.loads(text))
        except ValueError:
            raise self.bad(key, f"the instance key {text} is not a quoted string") from None

    def items(self, container: dict[str, Any], name: str, key: str) -> Iterator[dict[str, Any]]:
        found = container.get(name)
        found = [] if found is None else found
        where = f"{key}.{name}" if key else name
        if not isinstance(found, list):
            raise self.bad(where, "must be a list")
        for i, item in enumerate(found):
            if not isinstance(item, dict):
                raise self.bad(f"{where}[{i}]", "must be an object")
            yield item

    def collect_secrets(self, value: Any, mask: Any) -> None:
        """Every string under a sensitive mark (its clear text is masked everywhere)."""
        if mask is True:
            self.secrets.update(v for v in walk(value) if isinstance(v, str))
        elif isinstance(value, dict):
            for name, inner in value.items():
                self.collect_secrets(inner, mask_at(mask, name))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                self.collect_secrets(inner, mask_at(mask, index))

    def bad(self, key: str, problem: str) -> UserError:
        return UserError(problem, where=self.where(key) if key else self.shown,
                         hint=f"pass the unmodified output of {FIX}")  # fmt: skip
