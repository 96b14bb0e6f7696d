import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { type TableDefinition, type TableNames, tables } from './definitions';
import { toIndexInput } from './indexInput';
import { reconcileIndexes } from './reconcileIndexes';

/** Turns a table definition into the SDK's `CreateTable` input (on-demand billing). */
export function toCreateTableInput(
  definition: TableDefinition,
  tableName: string,
): CreateTableCommandInput {
  const keys = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributes = new Map<string, 'S' | 'N'>();
  for (const key of keys) if (key) attributes.set(key.name, key.type);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      ...(definition.sortKey
        ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }]
        : []),
    ],
    ...(definition.globalIndexes.length > 0 && {
      GlobalSecondaryIndexes: definition.globalIndexes.map(toIndexInput),
    }),
    ...(definition.stream && {
      StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
    }),
  };
}

/**
 * Creates every Streamer table under `names` (an existing one gets the
 * indexes it lacks, and those projected otherwise than defined are built
 * again) and waits until they are active. For DynamoDB Local and tests; AWS gets its
 * tables from the CDK app.
 */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    (Object.keys(tables) as (keyof typeof tables)[]).map(async (role) => {
      const definition = tables[role];
      const TableName = names[role];
      let existed = false;
      try {
        await client.send(new CreateTableCommand(toCreateTableInput(definition, TableName)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
        existed = true;
      }
      await waitUntilTableExists(
        { client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 },
        { TableName },
      );
      if (existed) await reconcileIndexes(client, definition, TableName);
      if (definition.timeToLiveAttribute) {
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName,
              TimeToLiveSpecification: {
                Enabled: true,
                AttributeName: definition.timeToLiveAttribute,
              },
            }),
          )
          .catch((error: unknown) => {
            // DynamoDB Local answers "TTL is already enabled" on a second call; that is the state we want.
            if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
          });
      }
    }),
  );
}
