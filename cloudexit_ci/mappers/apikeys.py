"""REST API keys and usage plans → ``stack.api_keys`` / ``stack.usage_plans``, enforced by
gateway-auth on methods with ``api_key_required``.

A key's value is never taken from the Terraform (it would be a secret in the output):
each key is a ``.env`` variable the operator sets (the value clients already send, to
keep them working). A key in no usage plan opens nothing, as on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cloudexit_ci.apiauth import ApiKey, UsagePlan
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial, safe_name, unique_name
from cloudexit_ci.stack import Coverage
from cloudexit_ci.terraform.model import Resource


@dataclass
class _State:
    keys: dict[str, str] = field(default_factory=dict)  # api key address -> ApiKey.key
    plans: dict[str, Resource] = field(default_factory=dict)
    attachments: list[Resource] = field(default_factory=list)  # usage plan keys


def _state(ctx: MapContext) -> _State:
    state: _State = ctx.family("apigw.apikeys", _State)
    return state


def key_addresses(ctx: MapContext) -> list[str]:
    return sorted(_state(ctx).keys)


def map_api_key(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or resource.name
    key = unique_name(safe_name(name, "key"), ctx.stack.api_keys)
    var = estate.env_name("APIGW_KEY", key)
    estate.secret_var(
        ctx,
        var,
        f"{resource.address}: value of API key `{name}` (the value clients send in x-api-key; "
        "never read from the Terraform)",
        resource.origin,
    )
    ctx.stack.api_keys[key] = ApiKey(key, var, values.boolean("enabled", True))
    _state(ctx).keys[resource.address] = key
    return cover(
        resource,
        "mapped",
        f"x-api-key checked by gateway-auth against ${var}",
        service="gateway-auth",
    )


def map_usage_plan(resource: Resource, ctx: MapContext) -> Coverage:
    _state(ctx).plans[resource.address] = resource
    lost = []
    if resource.values.blocks("quota_settings") and resource.values.block("quota_settings"):
        quota = resource.values.block("quota_settings")
        if quota is not None and quota.integer("offset", 0):
            lost.append("the quota offset (periods start at UTC midnight / Monday / the 1st)")
    lost.append("quota counters live in gateway-auth's memory: a restart resets them")
    return mapped_or_partial(resource, "throttle and quota per key in gateway-auth", lost)


def map_usage_plan_key(resource: Resource, ctx: MapContext) -> Coverage:
    _state(ctx).attachments.append(resource)
    return cover(
        resource, "mapped", "the key counts against its usage plan", service="gateway-auth"
    )


def finish(ctx: MapContext, api_of: dict[str, str], stage_of: dict[str, str]) -> None:
    """Usage plans once every API and key is known (``api_of``: REST API address → Api.key,
    ``stage_of``: Api.key → its stage)."""
    state = _state(ctx)
    for address, resource in sorted(state.plans.items()):
        values = resource.values
        name = values.string("name") or resource.name
        key = unique_name(safe_name(name, "plan"), ctx.stack.usage_plans)
        stages = []
        for block in values.blocks("api_stages"):
            api = api_of.get(block.ref("api_id") or "")
            if api is not None:
                stages.append((api, block.string("stage") or stage_of.get(api, "")))
        attached = [a for a in state.attachments if a.values.ref("usage_plan_id") == address]
        keys = sorted(
            state.keys[k] for a in attached if (k := a.values.ref("key_id") or "") in state.keys
        )
        throttle = values.block("throttle_settings")
        quota = values.block("quota_settings")
        rate = throttle.get("rate_limit") if throttle else None
        burst = throttle.get("burst_limit") if throttle else None
        period = quota.string("period", "DAY").upper() if quota else "DAY"
        ctx.stack.usage_plans[key] = UsagePlan(
            key=key,
            stages=tuple(sorted(stages)),
            api_keys=tuple(keys),
            rate_per_s=float(rate) if isinstance(rate, (int, float)) else None,
            burst=int(burst) if isinstance(burst, (int, float)) else None,
            quota=quota.integer("limit", 0) or None if quota else None,
            quota_period=_period(period),
            origins=tuple(sorted([resource.origin, *(a.origin for a in attached)])),
        )


def _period(text: str) -> Literal["DAY", "WEEK", "MONTH"]:
    if text == "WEEK":
        return "WEEK"
    return "MONTH" if text == "MONTH" else "DAY"
