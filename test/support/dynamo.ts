import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { ulid } from 'ulid';
import { inject } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import { createTables } from '../../src/tables/createTables';
import { type TableNames, tableNames } from '../../src/tables/definitions';

/** Clients for the run's DynamoDB Local and a fresh, uniquely named set of tables. */
export interface TestDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tables: TableNames;
}

/**
 * Creates every Streamer table under a unique prefix in the DynamoDB Local
 * this run started, so test files can run in parallel without sharing data.
 */
export async function createTestTables(label = 'test'): Promise<TestDynamo> {
  const endpoint = inject('dynamoDbEndpoint');
  const client = new DynamoDBClient({ endpoint, ...LOCAL_AWS });
  const streams = new DynamoDBStreamsClient({ endpoint, ...LOCAL_AWS });
  const tables = tableNames(`${label}-${ulid().toLowerCase()}`);
  await createTables(client, tables);
  return { endpoint, client, streams, tables };
}
