import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import { createTables, toCreateTableInput } from '../../src/tables/createTables';
import { REQUEST_VIEW_INDEXES, requestViewTable, tableNames } from '../../src/tables/definitions';

// A request view kept by `streamer dev --persist` from before `byTenant`
// existed gets the index when the stack starts again.
const client = new DynamoDBClient({ endpoint: inject('dynamoDbEndpoint'), ...LOCAL_AWS });
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
