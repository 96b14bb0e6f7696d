import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbConnectionStore,
  DynamoDbSubscriptionStore,
  newConnectionRecord,
  newSubscriptionRecord,
} from '../../src/connections';
import { createTestTables, type TestDynamo } from '../support/dynamo';

describe('DynamoDB connection and subscription stores', () => {
  let dynamo: TestDynamo;
  let connections: DynamoDbConnectionStore;
  let subscriptions: DynamoDbSubscriptionStore;

  beforeAll(async () => {
    dynamo = await createTestTables('stores');
    connections = new DynamoDbConnectionStore({
      client: dynamo.client,
      tableName: dynamo.tables.connections,
    });
    subscriptions = new DynamoDbSubscriptionStore({
      client: dynamo.client,
      tableName: () => dynamo.tables.subscriptions,
    });
  });
  afterAll(() => dynamo.client.destroy());

  it('stores, reads, touches and deletes a connection record', async () => {
    const record = newConnectionRecord({
      connectionId: 'c1',
      userId: 'ann',
      tenantId: 'acme',
      endpoint: 'https://x/prod',
      connectedAt: 1_000_000,
      metadata: { sourceIp: '203.0.113.9' },
    });
    await connections.put(record);
    expect(await connections.get('c1')).toEqual(record);
    await connections.touch('c1', 5_000_000);
    expect(await connections.get('c1')).toMatchObject({
      lastPing: 5_000_000,
      ttl: 5_000 + 24 * 3600,
    });
    await connections.delete('c1');
    expect(await connections.get('c1')).toBeUndefined();
  });

  it('does not resurrect a deleted connection on touch', async () => {
    await connections.touch('never-there', 1);
    expect(await connections.get('never-there')).toBeUndefined();
  });

  it("lists a request's subscribers and removes every subscription of a connection, past one batch", async () => {
    const subscribe = (requestKey: string, connectionId: string) =>
      subscriptions.put(
        newSubscriptionRecord({
          requestKey,
          connectionId,
          tenantId: 'acme',
          userId: 'ann',
          requestId: requestKey,
          subscribedAt: 0,
        }),
      );
    await Promise.all(Array.from({ length: 30 }, (_, i) => subscribe(`acme#r${i}`, 'busy')));
    await subscribe('acme#r0', 'other');
    expect(
      (await subscriptions.listByRequest('acme#r0')).map((s) => s.connectionId).sort(),
    ).toEqual(['busy', 'other']);

    expect(await subscriptions.deleteByConnection('busy')).toBe(30);
    expect(await subscriptions.listByRequest('acme#r0')).toMatchObject([{ connectionId: 'other' }]);
    expect(await subscriptions.delete('acme#r0', 'other')).toBe(true);
    expect(await subscriptions.delete('acme#r0', 'other')).toBe(false);
  });
});
