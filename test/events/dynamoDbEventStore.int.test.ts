import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { describeEventStoreContract } from './eventStoreContract';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('events');
});

const newStore = () =>
  new DynamoDbEventStore({ client: ddb.client, tableName: () => ddb.tables.requests });

describeEventStoreContract(
  'DynamoDB adapter on DynamoDB Local',
  async () => ({
    store: new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests }),
    pagedStore: new DynamoDbEventStore({
      client: ddb.client,
      tableName: () => ddb.tables.requests,
      pageSize: 37,
    }),
    otherStore: newStore(),
  }),
  { modelRuns: 25 },
);

const event = (n: number): NewEvent => ({
  type: `test.event_${n}`,
  at: 1_700_000_000_000 + n,
  tenantId: 'acme',
  userId: 'u1',
  data: { n },
});

/** Counts the commands `store` sends, by name, while `work` runs. */
async function commandsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const original = ddb.client.send.bind(ddb.client);
  const spy = (command: { constructor: { name: string } }, ...rest: unknown[]) => {
    sent.push(command.constructor.name);
    return (original as (...args: unknown[]) => unknown)(command, ...rest);
  };
  ddb.client.send = spy as typeof ddb.client.send;
  try {
    await work();
  } finally {
    ddb.client.send = original;
  }
  return sent;
}

describe('DynamoDB adapter, beyond the contract', () => {
  it('writes an append of several events as one conditional PutItem, with no read when it follows its own read', async () => {
    const store = newStore();
    const id = `acme#${ulid()}`;
    await store.append(id, 0, [event(1)]);
    await store.read(id);
    const sent = await commandsDuring(async () => {
      await store.append(id, 1, [event(2), event(3)]);
      await store.append(id, 3, [event(4), event(5), event(6)]);
    });
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand']);
    // A store that has not seen the log checks the version once, then writes.
    const other = newStore();
    expect(await commandsDuring(() => other.append(id, 6, [event(7)]))).toEqual([
      'QueryCommand',
      'PutItemCommand',
    ]);
  });

  it('reads a log of the first layout (one item per event) and appends after it', async () => {
    const id = `acme#${ulid()}`;
    for (const seq of [1, 2, 3]) {
      await ddb.client.send(
        new PutItemCommand({
          TableName: ddb.tables.requests,
          Item: marshall({
            requestKey: id,
            seq,
            type: `test.event_${seq}`,
            at: 1_700_000_000_000 + seq,
            tenantId: 'acme',
            userId: 'u1',
            data: JSON.stringify({ n: seq }),
            schemaVersion: 1,
          }),
        }),
      );
    }
    const store = newStore();
    await expect(store.append(id, 1, [event(9)])).rejects.toMatchObject({
      name: 'VersionConflictError',
      actualVersion: 3,
    });
    expect(await newStore().append(id, 3, [event(4), event(5)])).toBe(5);
    const events = await newStore().read(id, { fromSeq: 2 });
    expect(events.map((e) => [e.seq, e.type, e.data])).toEqual(
      [2, 3, 4, 5].map((n) => [n, `test.event_${n}`, { n }]),
    );
  });

  it('refuses an item that is no log item with a typed error naming it', async () => {
    const id = `acme#${ulid()}`;
    await ddb.client.send(
      new PutItemCommand({
        TableName: ddb.tables.requests,
        Item: marshall({ requestKey: id, seq: 1, note: 'hand-written' }),
      }),
    );
    await expect(newStore().read(id)).rejects.toMatchObject({
      name: 'CorruptLogItemError',
      requestKey: id,
      seq: 1,
      retryable: false,
    });
  });
});
