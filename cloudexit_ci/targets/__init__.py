"""Self-hosted targets: turn the IR's functions, tables and buckets into Services.

Mappers say *what* exists (functions, tables, buckets, routes); the targets
decide *how* it runs self-hosted, per the user's options (serverless mode,
DynamoDB mode, object store). Everything stays IR: renderers write the files.
"""

from __future__ import annotations

from cloudexit_ci.options import Options
from cloudexit_ci.stack import Stack
from cloudexit_ci.targets import datastores, functions, gateway, resolve


def assemble(stack: Stack, options: Options) -> None:
    resolve.resolve_functions(stack)
    datastores.add_dynamodb(stack, options)
    datastores.add_object_store(stack, options)
    functions.add_functions(stack, options)
    gateway.add_gateway(stack, options)
    resolve.resolve_services(stack)
