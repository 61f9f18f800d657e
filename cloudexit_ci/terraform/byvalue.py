"""Values found by value: an AWS identifier of one resource inside another's value.

Terraform's JSON holds literal values where the HCL held references: after apply, a
function's environment reads ``https://sqs.eu-west-1.amazonaws.com/123456789012/orders``
rather than ``aws_sqs_queue.orders.url``. ``ByValue`` turns such text back into the
typed reference it came from (``Computed(address, attr, path)``, or an ``Interpolation``
when the identifier sits inside a longer string), so the one resolver gives it its
self-hosted value.

Only unambiguous identifiers take part: ARNs and text holding an AWS-owned host name
(``*.amazonaws.com``, ``*.cloudfront.net``, ``*.on.aws``…: URLs, endpoints with a port,
domain names), at least ``MIN_LENGTH`` characters, read from an attribute that *is* the
resource's identity (``arn``, ``url``, ``endpoint``, ``bucket_regional_domain_name``…,
``id`` last). A name such as ``items`` never takes part. Matches are tried longest first
and must not continue a name on either side; a value two resources claim equally is
left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cloudexit_ci.terraform.typed import Computed, Interpolation, interpolate

MIN_LENGTH = 12

# attributes that are a resource's own identifier, by preference (lower wins)
IDENTITY: dict[str, int] = {
    **dict.fromkeys(
        (
            "arn", "url", "endpoint", "address", "reader_endpoint", "bucket_domain_name",
            "bucket_regional_domain_name", "domain_name", "dns_name", "api_endpoint",
            "invoke_url", "invoke_arn", "execution_arn", "qualified_arn",
            "qualified_invoke_arn", "stream_arn", "primary_endpoint_address",
            "reader_endpoint_address", "configuration_endpoint_address",
            "configuration_endpoint", "cache_nodes", "function_url", "website_endpoint",
            "latest_stream_arn", "cluster_endpoint",
        ),
        0,
    ),
    "id": 1,
}  # fmt: skip

_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:", re.IGNORECASE)
_AWS_HOST = re.compile(
    r"(?:^|[/@.:])[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
    r"(?:amazonaws\.com(?:\.cn)?|cloudfront\.net|on\.aws|api\.aws|amazoncognito\.com)"
    r"(?![a-z0-9-])",
    re.IGNORECASE,
)
_BEFORE = r"(?<![A-Za-z0-9_.-])"
_AFTER = r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])"


def looks_aws(text: str) -> bool:
    """An unambiguous AWS identifier: an ARN, or text holding an AWS-owned host name."""
    if len(text) < MIN_LENGTH:
        return False
    return _ARN.match(text) is not None or _AWS_HOST.search(text) is not None


@dataclass(frozen=True)
class Identity:
    """One resource instance as the matcher reads it: its values and sensitivity mask."""

    address: str
    values: Mapping[str, Any]
    sensitive: Any


@dataclass(frozen=True)
class ByValue:
    """Literal identifiers → the attribute each one is."""

    owners: Mapping[str, Computed]
    pattern: re.Pattern[str] | None

    def __call__(self, text: str, exclude: str = "") -> str | Computed | Interpolation:
        """``text`` with every identifier (not ``exclude``'s own) as a typed reference."""
        if self.pattern is None or len(text) < MIN_LENGTH:
            return text
        parts: list[str | Computed] = []
        position = 0
        for match in self.pattern.finditer(text):
            found = self.owners[match.group(0)]
            if found.address == exclude:
                continue
            parts += [text[position : match.start()], found]
            position = match.end()
        if not parts:
            return text
        merged = interpolate([*parts, text[position:]])
        if isinstance(merged, Interpolation) and len(merged.parts) == 1:
            only = merged.parts[0]
            return only if isinstance(only, Computed) else merged
        return merged


def build(resources: Iterable[Identity]) -> ByValue:
    """The matcher over ``resources`` (managed resources only: their mappers export)."""
    best: dict[str, tuple[int, Computed]] = {}
    tied: set[str] = set()
    for resource in resources:
        for rank, found, text in _candidates(resource):
            current = best.get(text)
            if current is None or rank < current[0]:
                best[text] = (rank, found)
                tied.discard(text)
            elif rank == current[0] and current[1].address != found.address:
                tied.add(text)
            elif rank == current[0] and _order(found) < _order(current[1]):
                best[text] = (rank, found)
    owners = {text: found for text, (_, found) in best.items() if text not in tied}
    if not owners:
        return ByValue({}, None)
    alternatives = "|".join(re.escape(t) for t in sorted(owners, key=lambda t: (-len(t), t)))
    return ByValue(owners, re.compile(f"{_BEFORE}(?:{alternatives}){_AFTER}"))


def _order(found: Computed) -> tuple[str, str]:
    return (found.attr, repr(found.path))


def _candidates(resource: Identity) -> Iterator[tuple[int, Computed, str]]:
    for attr, value in resource.values.items():
        rank = IDENTITY.get(attr)
        mask = mask_at(resource.sensitive, attr)
        if rank is None or mask is True:
            continue
        for path, leaf in leaves(value, mask):
            if isinstance(leaf, str) and looks_aws(leaf):
                yield rank, Computed(resource.address, attr, path), leaf


def mask_at(mask: Any, step: str | int) -> Any:
    """The part of a sensitivity/unknown mask at ``step`` (True covers everything below)."""
    if mask is True:
        return True
    if isinstance(mask, dict) and isinstance(step, str):
        return mask.get(step, False)
    if isinstance(mask, list) and isinstance(step, int) and 0 <= step < len(mask):
        return mask[step]
    return False


def leaves(value: Any, mask: Any = False) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, leaf) of every leaf of ``value`` outside the parts ``mask`` covers."""
    if mask is True:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            for path, leaf in leaves(item, mask_at(mask, key)):
                yield (key, *path), leaf
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for path, leaf in leaves(item, mask_at(mask, index)):
                yield (index, *path), leaf
    else:
        yield (), value
