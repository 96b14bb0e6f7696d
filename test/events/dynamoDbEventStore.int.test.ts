import { beforeAll } from 'vitest';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { describeEventStoreContract } from './eventStoreContract';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('events');
});

describeEventStoreContract('DynamoDB adapter on DynamoDB Local', async () => ({
  store: new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests }),
  pagedStore: new DynamoDbEventStore({
    client: ddb.client,
    tableName: () => ddb.tables.requests,
    pageSize: 37,
  }),
}));
