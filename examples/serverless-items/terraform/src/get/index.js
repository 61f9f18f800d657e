// GET /items/{id} -> 200 with the item, or 404.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));

const reply = (statusCode, body) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

exports.handler = async (event) => {
  const id = event.pathParameters && event.pathParameters.id;
  if (!id) return reply(400, { message: 'Missing id' });
  const result = await dynamo.get({ TableName: process.env.TABLE_NAME, Key: { id } });
  if (!result.Item) return reply(404, { message: 'Item not found' });
  return reply(200, result.Item);
};
