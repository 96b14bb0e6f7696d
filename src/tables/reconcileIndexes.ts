import {
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { type GlobalIndexDefinition, projectionOf, type TableDefinition } from './definitions';
import { toIndexInput } from './indexInput';

/** What {@link reconcileIndexes} did to an existing table's indexes. */
export interface IndexChanges {
  /** Indexes the table lacked, created. */
  readonly added: readonly string[];
  /** Indexes projected otherwise than defined, deleted and created again. */
  readonly replaced: readonly string[];
}

/**
 * Brings an existing table's global secondary indexes in line with
 * `definition` (a table kept by `streamer dev --persist` from an older
 * version): creates the ones it lacks, and deletes and creates again the
 * ones whose projection differs, since DynamoDB cannot change a projection
 * in place. An index is rebuilt from the table, so nothing is lost; while
 * it rebuilds, queries on it fail. One change at a time, as DynamoDB
 * requires, each waited for. In AWS, CloudFormation or Pulumi does this
 * instead (docs/deploy.md). Indexes the definition does not name are left
 * alone.
 */
export async function reconcileIndexes(
  client: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
): Promise<IndexChanges> {
  const present = await describeIndexes(client, tableName);
  const added: string[] = [];
  const replaced: string[] = [];
  for (const index of definition.globalIndexes) {
    const existing = present.get(index.indexName);
    if (existing && projectedAsDefined(existing, index)) continue;
    if (existing) {
      await deleteIndex(client, tableName, index.indexName);
      replaced.push(index.indexName);
    } else {
      added.push(index.indexName);
    }
    await createIndex(client, tableName, index);
  }
  return { added, replaced };
}

async function describeIndexes(client: DynamoDBClient, tableName: string) {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return new Map((Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
}

/** Whether a live index copies what the definition says (INCLUDE lists compared as sets). */
export function projectedAsDefined(
  live: GlobalSecondaryIndexDescription,
  index: GlobalIndexDefinition,
): boolean {
  const wanted = projectionOf(index);
  if (live.Projection?.ProjectionType !== wanted.type) return false;
  if (wanted.type !== 'INCLUDE') return true;
  const liveAttributes = new Set(live.Projection.NonKeyAttributes ?? []);
  return (
    liveAttributes.size === wanted.attributes.length &&
    wanted.attributes.every((attribute) => liveAttributes.has(attribute))
  );
}

async function createIndex(
  client: DynamoDBClient,
  tableName: string,
  index: GlobalIndexDefinition,
) {
  const keys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: keys.map((key) => ({
        AttributeName: key.name,
        AttributeType: key.type,
      })),
      GlobalSecondaryIndexUpdates: [{ Create: toIndexInput(index) }],
    }),
  );
  await waitForIndex(client, tableName, index.indexName, 'ACTIVE');
}

async function deleteIndex(client: DynamoDBClient, tableName: string, indexName: string) {
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: indexName } }],
    }),
  );
  await waitForIndex(client, tableName, indexName, 'GONE');
}

/**
 * Polls until the index is ACTIVE (or gone). DynamoDB Local builds one in
 * about a second per table of its database (a persisted stack has six).
 */
async function waitForIndex(
  client: DynamoDBClient,
  tableName: string,
  indexName: string,
  until: 'ACTIVE' | 'GONE',
) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const index = (await describeIndexes(client, tableName)).get(indexName);
    if (until === 'GONE' ? !index : index?.IndexStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const state = until === 'GONE' ? 'deleted' : 'active';
  throw new Error(`Index ${indexName} of ${tableName} did not become ${state} within 30 s`);
}
