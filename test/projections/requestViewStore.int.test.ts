import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { REQUEST_VIEW_TTL_SECONDS } from '../../src/projections/requestView';
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

describe('DynamoDbRequestViewStore: an item that only holds a subscription version', () => {
  it('expires like a view unless a view is saved over it', async () => {
    const now = 1_800_000_000_000;
    const views = new DynamoDbRequestViewStore({
      client: ddb.client,
      tableName: ddb.tables.requestView,
      clock: () => now,
    });
    await views.subscribersChanged('acme#only-subscribed');
    const { Item } = await ddb.client.send(
      new GetItemCommand({
        TableName: ddb.tables.requestView,
        Key: marshall({ requestKey: 'acme#only-subscribed' }),
      }),
    );
    expect(unmarshall(Item ?? {})).toEqual({
      requestKey: 'acme#only-subscribed',
      subscriptionVersion: 1,
      ttl: now / 1000 + REQUEST_VIEW_TTL_SECONDS,
    });
    expect(await views.get('acme#only-subscribed')).toBeUndefined();
  });
});
