import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import { createTables, toCreateTableInput } from '../../src/tables/createTables';
import {
  REQUEST_VIEW_INDEXES,
  requestViewTable,
  requestViewTableWith,
  tableNames,
} from '../../src/tables/definitions';
import { projectedAsDefined } from '../../src/tables/reconcileIndexes';

// A request view kept by `streamer dev --persist` from before `byTenant`
// existed gets the index when the stack starts again, and one from before
// the indexes were lean gets them rebuilt lean.
//
// DynamoDB Local builds a new index in about a second per table of its
// database (measured: 0.9 s with no other table, 17.5 s beside 20, 66 s
// beside 60), and the run's shared database holds every test file's tables.
// So each test keeps its tables in a database of its own: DynamoDB Local
// keeps one per access key, and there a persisted stack's six tables are
// what it sees.
const clients: DynamoDBClient[] = [];
let client: DynamoDBClient;
beforeEach(() => {
  client = new DynamoDBClient({
    endpoint: inject('dynamoDbEndpoint'),
    region: LOCAL_AWS.region,
    credentials: { accessKeyId: `upgrade${ulid()}`, secretAccessKey: 'upgrade' },
  });
  clients.push(client);
});
afterAll(() => {
  for (const each of clients) each.destroy();
});

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

  it('rebuilds the indexes projected otherwise than defined, and keeps the rows', async () => {
    // Prepare: a view table with every index projected ALL, as before, holding a row.
    const names = tableNames(`upgrade-${ulid().toLowerCase()}`);
    await client.send(
      new CreateTableCommand(toCreateTableInput(requestViewTableWith('all'), names.requestView)),
    );
    await client.send(
      new PutItemCommand({
        TableName: names.requestView,
        Item: marshall({ requestKey: 'acme#r1', requestId: 'r1', tenantId: 'acme', createdAt: 1 }),
      }),
    );
    // Act
    await createTables(client, names);
    // Assess: every index as defined and active, the row found through the rebuilt byTenant.
    const { Table } = await client.send(new DescribeTableCommand({ TableName: names.requestView }));
    for (const index of requestViewTable.globalIndexes) {
      const live = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === index.indexName);
      expect(live?.IndexStatus, index.indexName).toBe('ACTIVE');
      expect(live && projectedAsDefined(live, index), index.indexName).toBe(true);
    }
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: names.requestView,
        IndexName: REQUEST_VIEW_INDEXES.byTenant,
        KeyConditionExpression: 'tenantId = :t',
        ExpressionAttributeValues: marshall({ ':t': 'acme' }),
      }),
    );
    expect(Items.map((item) => unmarshall(item).requestId)).toEqual(['r1']);
  });
});
