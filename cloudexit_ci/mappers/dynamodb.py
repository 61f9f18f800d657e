"""aws_dynamodb_table → a Table served by ScyllaDB (Alternator or CQL), plus its data move."""

from __future__ import annotations

from cloudexit_ci.cqlnames import keyspace_name, table_name
from cloudexit_ci.mappers import estate
from cloudexit_ci.mappers.base import MapContext, cover, mapped_or_partial
from cloudexit_ci.stack import Coverage, DataMove, Index, KeySchema, Table
from cloudexit_ci.terraform.model import Resource, Values


def map_table(resource: Resource, ctx: MapContext) -> Coverage:
    values = resource.values
    name = values.string("name") or resource.name
    hash_key = values.string("hash_key")
    if not hash_key:
        return cover(resource, "unmapped", "hash_key cannot be resolved", blocking=True)
    attributes = tuple(
        (a.string("name"), a.string("type", "S")) for a in values.blocks("attribute")
    )
    lost = _lost(values)
    gsis = tuple(_index(b, lost) for b in values.blocks("global_secondary_index"))
    lsis = tuple(_lsi(b, hash_key, lost) for b in values.blocks("local_secondary_index"))
    ttl = values.block("ttl")
    ttl_attr = ttl.string("attribute_name") if ttl and ttl.boolean("enabled", True) else None
    table = Table(
        name=name,
        keys=KeySchema(hash_key, values.string("range_key") or None),
        attributes=tuple(sorted(attributes)),
        origin=resource.origin,
        gsis=gsis,
        lsis=lsis,
        ttl_attribute=ttl_attr or None,
        stream_view_type=values.string("stream_view_type") or None
        if values.boolean("stream_enabled")
        else None,
        billing_mode=values.string("billing_mode", "PROVISIONED"),
    )
    ctx.stack.tables[name] = table
    table_arn = estate.arn(ctx, resource, "dynamodb", f"table/{name}")
    for attr, value in (("id", name), ("name", name), ("arn", table_arn)):
        estate.resolve(ctx, resource.address, attr, value)
    if table.stream_view_type:
        stream = f"{table_arn}/stream/1970-01-01T00:00:00.000"
        estate.resolve(ctx, resource.address, "stream_arn", stream)
    target = {"table": name, "service": "scylladb", "mode": ctx.options.dynamodb_mode}
    if ctx.options.dynamodb_mode == "alternator":
        target["endpoint"] = "http://scylladb:8000"
    else:
        target |= {
            "keyspace": keyspace_name(ctx.options.stack_name),
            "table": table_name(name),
            "hosts": "scylladb",
            # typed columns besides `doc` (index keys need them for the views)
            "columns": ",".join(f"{n}:{t}" for n, t in attributes),
        }
    ctx.stack.data_plan.append(
        DataMove(
            "dynamodb",
            estate.data_source(ctx, resource, "name", (("table", name),)),
            tuple(sorted(target.items())),
            resource.origin,
        )
    )
    if ctx.options.dynamodb_mode == "cql":
        lost.append("the DynamoDB API: function code must be ported to CQL in cql mode")
    if table.stream_view_type:
        lost.append(_STREAM_LOSS[ctx.options.dynamodb_mode == "alternator"])
    return mapped_or_partial(resource, f"ScyllaDB table `{name}`", lost, "scylladb")


_STREAM_LOSS = {
    True: "stream records as ScyllaDB 2025.1 Alternator emits them: a PutItem is a REMOVE then a"
    " MODIFY (never INSERT), records appear ~10 s after the write (docs/STREAMS.md)",
    False: "the table's stream: cql mode serves no DynamoDB Streams API",
}


def _index(block: Values, lost: list[str]) -> Index:
    projection = block.string("projection_type", "ALL")
    name = block.string("name")
    if projection != "ALL":
        lost.append(f"index {name}: projection {projection} (Alternator always projects ALL)")
    return Index(
        name=name,
        keys=KeySchema(block.string("hash_key"), block.string("range_key") or None),
        projection=projection,
        non_key_attributes=tuple(block.get("non_key_attributes") or ()),
    )


def _lsi(block: Values, hash_key: str, lost: list[str]) -> Index:
    index = _index(block, lost)
    return Index(index.name, KeySchema(hash_key, index.keys.range_key), index.projection, ())


def _lost(values: Values) -> list[str]:
    lost = []
    pitr = values.block("point_in_time_recovery")
    if pitr is not None and pitr.boolean("enabled"):
        lost.append("point-in-time recovery (use ScyllaDB snapshots / backups)")
    if values.blocks("replica"):
        lost.append("global-table replicas (run a multi-DC ScyllaDB cluster instead)")
    if values.string("table_class") not in ("", "STANDARD"):
        lost.append(f"table class {values.string('table_class')}")
    if values.boolean("deletion_protection_enabled"):
        lost.append("deletion protection")
    sse = values.block("server_side_encryption")
    if sse is not None and sse.boolean("enabled"):
        lost.append("KMS server-side encryption (use disk encryption)")
    if values.block("import_table") is not None:
        lost.append("import_table (load data with `cloudexit-ci migrate-data`)")
    return lost
