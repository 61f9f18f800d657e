// POST /items -> 201 with the stored item (generated id and createdAt).
const { randomUUID } = require('node:crypto');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));

const reply = (statusCode, body) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

function parseBody(event) {
  if (!event.body) return null;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

exports.handler = async (event) => {
  const input = parseBody(event);
  if (!input) return reply(400, { message: 'Body must be a JSON object' });
  const item = { ...input, id: randomUUID(), createdAt: new Date().toISOString() };
  await dynamo.put({
    TableName: process.env.TABLE_NAME,
    Item: item,
    ConditionExpression: 'attribute_not_exists(id)',
  });
  return reply(201, item);
};
