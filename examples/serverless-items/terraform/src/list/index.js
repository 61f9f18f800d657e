// GET /items -> 200 with every item; ?userId=... queries the userId-index GSI.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));

const reply = (statusCode, body) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

async function collect(operation, params) {
  const items = [];
  let ExclusiveStartKey;
  do {
    const page = await dynamo[operation]({ ...params, ExclusiveStartKey });
    items.push(...(page.Items || []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

exports.handler = async (event) => {
  const TableName = process.env.TABLE_NAME;
  const userId = event.queryStringParameters && event.queryStringParameters.userId;
  const items = userId
    ? await collect('query', {
      TableName,
      IndexName: 'userId-index',
      KeyConditionExpression: 'userId = :u',
      ExpressionAttributeValues: { ':u': userId },
    })
    : await collect('scan', { TableName });
  return reply(200, items);
};
