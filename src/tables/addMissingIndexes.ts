import {
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from './definitions';

/**
 * Adds the global secondary indexes of `definition` that an existing table
 * lacks (a table kept by `streamer dev --persist` from before an index was
 * defined), one at a time as DynamoDB requires, and waits for each to be
 * active. In AWS the CDK app does this through CloudFormation instead.
 */
export async function addMissingIndexes(
  client: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const added: string[] = [];
  for (const index of definition.globalIndexes) {
    if (present.has(index.indexName)) continue;
    const keys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: keys.map((key) => ({
          AttributeName: key.name,
          AttributeType: key.type,
        })),
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.indexName,
              KeySchema: [
                { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                ...(index.sortKey
                  ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
                  : []),
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          },
        ],
      }),
    );
    await waitForIndex(client, tableName, index.indexName);
    added.push(index.indexName);
  }
  return added;
}

/**
 * Polls until the index is ACTIVE. DynamoDB Local builds one in about a
 * second per table of its database (a persisted stack has four).
 */
async function waitForIndex(client: DynamoDBClient, tableName: string, indexName: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const index = Table?.GlobalSecondaryIndexes?.find((entry) => entry.IndexName === indexName);
    if (index?.IndexStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Index ${indexName} of ${tableName} did not become active within 30 s`);
}
