import { beforeAll } from 'vitest';
import { DynamoDbCircuitStore } from '../../src/flowControl/dynamodb/dynamoDbCircuitStore';
import { DynamoDbRateWindows } from '../../src/flowControl/dynamodb/dynamoDbRateWindows';
import { DynamoDbSlotStore } from '../../src/flowControl/dynamodb/dynamoDbSlotStore';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { describeCircuitStoreContract } from './circuitStoreContract';
import { describeRateWindowContract } from './rateWindowContract';
import { describeSlotStoreContract } from './slotStoreContract';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('flow');
});

describeSlotStoreContract(
  'DynamoDB adapter on DynamoDB Local',
  async () => new DynamoDbSlotStore({ client: ddb.client, tableName: ddb.tables.flowControl }),
);
describeCircuitStoreContract(
  'DynamoDB adapter on DynamoDB Local',
  async () =>
    new DynamoDbCircuitStore({ client: ddb.client, tableName: () => ddb.tables.flowControl }),
);
describeRateWindowContract(
  'DynamoDB adapter on DynamoDB Local',
  async () => new DynamoDbRateWindows({ client: ddb.client, tableName: ddb.tables.rateLimits }),
);
