import { beforeAll } from 'vitest';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { describeRequestViewStoreContract } from './requestViewStoreContract';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('views');
});

describeRequestViewStoreContract(
  'DynamoDB adapter on DynamoDB Local',
  async () =>
    new DynamoDbRequestViewStore({ client: ddb.client, tableName: ddb.tables.requestView }),
);
