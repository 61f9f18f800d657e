"""GET /notes/by-owner/{owner}: newest first, through the owner-index GSI."""

import os

import boto3
from boto3.dynamodb.conditions import Key

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    owner = (event.get("pathParameters") or {}).get("owner")
    items, start = [], None
    while True:
        kwargs = {"IndexName": "owner-index", "KeyConditionExpression": Key("owner").eq(owner)}
        kwargs["ScanIndexForward"] = False
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = table.query(**kwargs)
        items.extend(page.get("Items", []))
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    # Payload 2.0: a dict without statusCode becomes a 200 JSON response; the
    # runtime serialises the DynamoDB Decimal numbers.
    return {"owner": owner, "notes": items}
