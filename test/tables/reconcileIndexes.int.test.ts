import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import { createTables, toCreateTableInput } from '../../src/tables/createTables';
import { REQUEST_VIEW_INDEXES, requestViewTable, tableNames } from '../../src/tables/definitions';

// A request view kept by `streamer dev --persist` from before `byTenant`
// existed gets the index when the stack starts again.
//
// DynamoDB Local builds a new index in about a second per table of its
// database (measured: 0.9 s with no other table, 17.5 s beside 20, 66 s
// beside 60), and the run's shared database holds every test file's tables.
// So this test keeps its tables in a database of their own: DynamoDB Local
// keeps one per access key, and there a persisted stack's four tables are
// what it sees.
const client = new DynamoDBClient({
  endpoint: inject('dynamoDbEndpoint'),
  region: LOCAL_AWS.region,
  credentials: { accessKeyId: `upgrade${ulid()}`, secretAccessKey: 'upgrade' },
});
afterAll(() => client.destroy());

describe('createTables on tables that already exist', () => {
  it('adds the indexes a table lacks', async () => {
    const names = tableNames(`upgrade-${ulid().toLowerCase()}`);
    const older = {
      ...requestViewTable,
      globalIndexes: requestViewTable.globalIndexes.filter(
        (i) => i.indexName !== REQUEST_VIEW_INDEXES.byTenant,
      ),
    };
    await client.send(new CreateTableCommand(toCreateTableInput(older, names.requestView)));
    await createTables(client, names);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: names.requestView }));
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      index.IndexStatus,
    ]);
    expect(indexes).toContainEqual([REQUEST_VIEW_INDEXES.byTenant, 'ACTIVE']);
    expect(indexes.map(([name]) => name).sort()).toEqual(
      requestViewTable.globalIndexes.map((i) => i.indexName).sort(),
    );
  });
});
