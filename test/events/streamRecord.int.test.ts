import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/events';
import {
  DynamoDbEventStore,
  eventTypesOfRecord,
  parseStreamRecord,
  requestKeysOf,
} from '../../src/events/dynamodb';
import { createTestTables, type TestDynamo } from '../support/dynamo';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('stream');
});

/** Every record currently in the requests table's stream, read with the real Streams API. */
async function readWholeStream(): Promise<DynamoDBRecord[]> {
  const table = await ddb.client.send(new DescribeTableCommand({ TableName: ddb.tables.requests }));
  const StreamArn = table.Table?.LatestStreamArn;
  if (!StreamArn) throw new Error('the requests table has no stream');
  const { StreamDescription } = await ddb.streams.send(new DescribeStreamCommand({ StreamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await ddb.streams.send(
      new GetShardIteratorCommand({
        StreamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (ShardIterator) {
      const page = await ddb.streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...((page.Records ?? []) as DynamoDBRecord[]));
      // An open shard hands out a next iterator forever; stop once it is drained.
      ShardIterator = page.Records?.length ? page.NextShardIterator : undefined;
    }
  }
  return records;
}

describe('DynamoDB Streams records of the event log', () => {
  it('parse back into the events of each commit, one record per append', async () => {
    // Prepare
    const store = new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests });
    const at = 1_700_000_000_000;
    const accepted: NewEvent = {
      type: 'request.accepted',
      at,
      tenantId: 'acme',
      userId: 'u1',
      data: { action: 'echo_async', input: { message: 'hi' } },
    };
    const started: NewEvent = {
      type: 'step.started',
      at: at + 1,
      tenantId: 'acme',
      userId: 'u1',
      data: { stepId: 'echo', attempt: 1 },
    };
    const completed: NewEvent = { ...started, type: 'step.completed', data: { stepId: 'echo' } };
    const ended: NewEvent = { ...started, type: 'request.completed', data: { output: 1 } };
    // Act
    await store.append('acme#r1', 0, [accepted]);
    await store.append('acme#r1', 1, [started]);
    await store.append('acme#r1', 2, [completed, ended]);
    await store.append('globex#r1', 0, [{ ...accepted, tenantId: 'globex' }]);
    const records = await readWholeStream();
    // Assess
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT', 'INSERT']);
    const ofAcme = records.filter((r) => r.dynamodb?.Keys?.requestKey?.S === 'acme#r1');
    expect(ofAcme.flatMap(parseStreamRecord)).toEqual(await store.read('acme#r1'));
    expect(ofAcme.map((r) => [...eventTypesOfRecord(r)].sort())).toEqual([
      ['request.accepted'],
      ['step.started'],
      ['request.completed', 'step.completed'],
    ]);
    expect(
      records.flatMap(parseStreamRecord).find((e) => e.requestKey === 'globex#r1'),
    ).toMatchObject({
      tenantId: 'globex',
      seq: 1,
    });
    expect(requestKeysOf(records).sort()).toEqual(['acme#r1', 'globex#r1']);
  });

  it('ignores a record without a new image and rejects one that is not an event', () => {
    expect(
      parseStreamRecord({ eventName: 'REMOVE', dynamodb: { Keys: { requestKey: { S: 'a#b' } } } }),
    ).toEqual([]);
    expect(() =>
      parseStreamRecord({
        eventName: 'INSERT',
        dynamodb: { NewImage: { requestKey: { S: 'a#b' }, seq: { N: '1' } } },
      }),
    ).toThrow(/cannot be read/);
  });

  it('reads the types of a first-layout record too', () => {
    expect(
      eventTypesOfRecord({
        eventName: 'INSERT',
        dynamodb: { NewImage: { requestKey: { S: 'a#b' }, type: { S: 'step.started' } } },
      }),
    ).toEqual(['step.started']);
  });
});
