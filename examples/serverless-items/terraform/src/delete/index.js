// DELETE /items/{id} -> 204 (idempotent, as DynamoDB DeleteItem).
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocument } = require('@aws-sdk/lib-dynamodb');

const dynamo = DynamoDBDocument.from(new DynamoDBClient({}));

exports.handler = async (event) => {
  const id = event.pathParameters && event.pathParameters.id;
  if (!id) return { statusCode: 400, body: JSON.stringify({ message: 'Missing id' }) };
  await dynamo.delete({ TableName: process.env.TABLE_NAME, Key: { id } });
  return { statusCode: 204, body: '' };
};
