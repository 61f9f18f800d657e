// PUT /items/{id} -> 200 with the updated item; 404 when it does not exist.
const { DynamoDBClient, ConditionalCheckFailedException } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));
const READ_ONLY = new Set(['id', 'createdAt', 'updatedAt']);

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

function updateExpression(fields) {
  // SET #f0 = :v0, ... with placeholders so any attribute name is safe.
  const names = {};
  const values = {};
  const sets = Object.keys(fields).map((key, i) => {
    names[`#f${i}`] = key;
    values[`:v${i}`] = fields[key];
    return `#f${i} = :v${i}`;
  });
  return { UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

exports.handler = async (event) => {
  const id = event.pathParameters && event.pathParameters.id;
  const input = parseBody(event);
  if (!id || !input) return reply(400, { message: 'Need an id and a JSON object body' });
  const fields = Object.fromEntries(Object.entries(input).filter(([k]) => !READ_ONLY.has(k)));
  fields.updatedAt = new Date().toISOString();
  try {
    const result = await dynamo.update({
      TableName: process.env.TABLE_NAME,
      Key: { id },
      ConditionExpression: 'attribute_exists(id)',
      ReturnValues: 'ALL_NEW',
      ...updateExpression(fields),
    });
    return reply(200, result.Attributes);
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || err.name === 'ConditionalCheckFailedException') {
      return reply(404, { message: 'Item not found' });
    }
    throw err;
  }
};
