"""The DynamoDB attribute-value wire format (``{"S": ...}``), kept as is end to end.

Nothing here converts to Python types: numbers stay decimal strings, binaries
stay bytes. These helpers only encode keys for JSON checkpoints, estimate sizes
and build a canonical form for hashing (verify).
"""

from __future__ import annotations

import base64
import decimal
import hashlib
import json
from typing import Any

AttrValue = dict[str, Any]
Item = dict[str, AttrValue]

_EXACT = decimal.Context(prec=60)
WIRE_BYTES = "_WireBytes"  # set by the raw client on a Scan page: the answer's length in bytes


def encode_key(key: Item | None) -> dict[str, Any] | None:
    """A LastEvaluatedKey as JSON-safe data (B → base64 text)."""
    if key is None:
        return None
    return {name: _encode_av(av) for name, av in key.items()}


def decode_key(key: dict[str, Any] | None) -> Item | None:
    if key is None:
        return None
    return {name: _decode_av(av) for name, av in key.items()}


def _encode_av(av: AttrValue) -> dict[str, Any]:
    if "B" in av:
        return {"B64": base64.b64encode(av["B"]).decode("ascii")}
    return dict(av)


def _decode_av(av: dict[str, Any]) -> AttrValue:
    if "B64" in av:
        return {"B": base64.b64decode(av["B64"])}
    return dict(av)


def approx_size(item: Item) -> int:
    """An upper-ish estimate of an item's size in bytes (names + values)."""
    return sum(len(name.encode()) + _av_size(av) for name, av in item.items())


def _av_size(av: AttrValue) -> int:
    (kind, value), *_ = av.items()
    if kind in ("S", "N", "B"):
        return len(value) if isinstance(value, bytes) else len(str(value).encode())
    if kind in ("SS", "NS", "BS"):
        return sum(len(v) if isinstance(v, bytes) else len(v.encode()) for v in value)
    if kind == "M":
        return 3 + approx_size(value)
    if kind == "L":
        return 3 + sum(1 + _av_size(v) for v in value)
    return 1


def canonical(av: AttrValue) -> Any:
    """Order- and notation-independent form: sets sorted, numbers normalised, B as base64."""
    (kind, value), *_ = av.items()
    if kind == "N":
        return {"N": _number(value)}
    if kind == "NS":
        return {"NS": sorted(_number(v) for v in value)}
    if kind == "B":
        return {"B": base64.b64encode(value).decode("ascii")}
    if kind == "BS":
        return {"BS": sorted(base64.b64encode(v).decode("ascii") for v in value)}
    if kind == "SS":
        return {"SS": sorted(value)}
    if kind == "M":
        return {"M": canonical_item(value)}
    if kind == "L":
        return {"L": [canonical(v) for v in value]}
    return {kind: value}


def canonical_item(item: Item) -> dict[str, Any]:
    return {name: canonical(av) for name, av in sorted(item.items())}


def _number(text: str) -> str:
    value = _EXACT.normalize(decimal.Decimal(text))
    return "0" if value.is_zero() else str(value)


def item_digest(item: Item) -> bytes:
    raw = json.dumps(canonical_item(item), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(raw.encode(), digest_size=16).digest()


def key_digest(item: Item, key_names: tuple[str, ...]) -> bytes:
    return item_digest({name: item[name] for name in key_names})


def to_json(item: Item) -> str:
    """The DynamoDB JSON wire text of an item (B and BS as base64, as on the wire)."""
    return json.dumps({name: _json_av(av) for name, av in item.items()}, separators=(",", ":"))


def _json_av(av: AttrValue) -> Any:
    (kind, value), *_ = av.items()
    if kind == "B":
        return {"B": base64.b64encode(value).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode("ascii") for v in value]}
    if kind == "M":
        return {"M": {name: _json_av(v) for name, v in value.items()}}
    if kind == "L":
        return {"L": [_json_av(v) for v in value]}
    return {kind: value}


def to_wire_item(item: Item) -> dict[str, Any]:
    """An item as the JSON wire carries it (B and BS as base64 text)."""
    return {name: _json_av(av) for name, av in item.items()}


def from_wire_item(raw: dict[str, Any]) -> Item:
    """Inverse of :func:`to_wire_item`: B and BS back to bytes, as botocore gives them."""
    return {name: _from_json_av(av) for name, av in raw.items()}


def from_json(text: str) -> Item:
    """Inverse of :func:`to_json`."""
    raw = json.loads(text)
    return {name: _from_json_av(av) for name, av in raw.items()}


def _from_json_av(av: dict[str, Any]) -> AttrValue:
    (kind, value), *_ = av.items()
    if kind == "B":
        return {"B": base64.b64decode(value)}
    if kind == "BS":
        return {"BS": [base64.b64decode(v) for v in value]}
    if kind == "M":
        return {"M": {name: _from_json_av(v) for name, v in value.items()}}
    if kind == "L":
        return {"L": [_from_json_av(v) for v in value]}
    return {kind: value}
