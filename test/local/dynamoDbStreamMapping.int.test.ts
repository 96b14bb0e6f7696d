import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../src/local/sqs';
import {
  createDynamoDbStreamMapping,
  type DynamoDbStreamMapping,
  type DynamoDbStreamMappingOptions,
  type StreamFailureRecord,
  type StreamsReader,
  streamsReaderFromClient,
} from '../../src/local/streamMapping';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { deferred, waitFor } from './waitFor';

let dynamo: TestDynamo;
const running: { stop(): Promise<void> }[] = [];

// Each test gets its own tables, so TRIM_HORIZON replays only its own records.
beforeEach(async () => {
  dynamo = await createTestTables('streammap');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  dynamo.client.destroy();
  dynamo.streams.destroy();
});

/** Appends one event-log item, as the event store would. */
async function put(requestKey: string, seq: number, type = 'step.progress'): Promise<void> {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: dynamo.tables.requests,
      Item: {
        requestKey: { S: requestKey },
        seq: { N: String(seq) },
        type: { S: type },
        data: { M: { percentage: { N: String(seq * 10) }, note: { S: `${requestKey}/${seq}` } } },
      },
    }),
  );
}

/** `requestKey/seq` of a record, from its NewImage. */
function keyOf(record: DynamoDBRecord): string {
  const image = record.dynamodb?.NewImage;
  return `${image?.requestKey?.S}/${image?.seq?.N}`;
}

function mapping(
  overrides: Partial<DynamoDbStreamMappingOptions> & Pick<DynamoDbStreamMappingOptions, 'handler'>,
): DynamoDbStreamMapping {
  const created = createDynamoDbStreamMapping({
    functionName: 'test-consumer',
    streams: dynamo.streams,
    source: { tableName: dynamo.tables.requests, dynamodb: dynamo.client },
    startingPosition: 'LATEST',
    retryDelayMs: 10,
    onError: () => {},
    ...overrides,
  });
  running.push(created);
  return created;
}

describe('local DynamoDB Streams event-source mapping', () => {
  it('delivers Lambda-shaped records with the real NewImage, in order per request, in batches of at most batchSize', async () => {
    const events: DynamoDBStreamEvent[] = [];
    const contexts: Context[] = [];
    const remaining: number[] = [];
    const consumer = mapping({
      functionName: 'streamer-projector',
      batchSize: 4,
      functionTimeoutMs: 30_000,
      handler: async (event, context) => {
        events.push(event);
        contexts.push(context);
        remaining.push(context.getRemainingTimeInMillis());
      },
    });
    await consumer.start();

    // Interleave three requests' appends, as concurrent workflows would.
    for (let seq = 1; seq <= 5; seq++)
      for (const id of ['a', 'b', 'c']) await put(`tenant#${id}`, seq);
    const records = () => events.flatMap((e) => e.Records);
    await waitFor('15 records', () => records().length >= 15);

    expect(records()).toHaveLength(15);
    for (const event of events) expect(event.Records.length).toBeLessThanOrEqual(4);
    for (const id of ['a', 'b', 'c']) {
      const seqs = records()
        .filter((r) => r.dynamodb?.Keys?.requestKey?.S === `tenant#${id}`)
        .map((r) => Number(r.dynamodb?.Keys?.seq?.N));
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
    }
    const first = records()[0] as DynamoDBRecord;
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: consumer.streamArn,
      awsRegion: 'us-east-1',
      dynamodb: {
        Keys: { requestKey: { S: 'tenant#a' }, seq: { N: '1' } },
        NewImage: {
          requestKey: { S: 'tenant#a' },
          seq: { N: '1' },
          type: { S: 'step.progress' },
          data: { M: { percentage: { N: '10' }, note: { S: 'tenant#a/1' } } },
        },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(first.eventID).toEqual(expect.any(String));
    expect(first.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(first.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(Number.isInteger(first.dynamodb?.ApproximateCreationDateTime)).toBe(true);
    // Sequence numbers rise through the stream, so the shard was read in order.
    const sequenceNumbers = records().map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect([...sequenceNumbers].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(
      sequenceNumbers,
    );

    const context = contexts[0] as Context;
    expect(context.functionName).toBe('streamer-projector');
    expect(context.invokedFunctionArn).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:streamer-projector',
    );
    expect(context.awsRequestId).not.toBe(contexts[1]?.awsRequestId);
    for (const ms of remaining) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(30_000);
    }
  });

  it('retries a failing batch, bisects it down to the poison record, and sends only that one to the on-failure queue', async () => {
    let sqs: LocalSqs | undefined;
    let client: SQSClient | undefined;
    running.push({
      stop: async () => {
        client?.destroy();
        await sqs?.stop();
      },
    });
    sqs = await startLocalSqs();
    client = sqs.createClient();
    const failureQueue = sqs.queues.streamFailures;

    // Written before the mapping starts, so TRIM_HORIZON hands them over as one batch of 8.
    const requestKey = `poison-${Date.now()}`;
    for (let seq = 1; seq <= 8; seq++) await put(requestKey, seq);
    const poison = `${requestKey}/5`;
    const invocations: string[][] = [];
    const processed = new Set<string>();
    const consumer = mapping({
      startingPosition: 'TRIM_HORIZON',
      batchSize: 10,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      onFailure: { sqs: client, queueUrl: failureQueue.url },
      handler: async (event) => {
        const keys = event.Records.map(keyOf).filter((k) => k.startsWith(requestKey));
        invocations.push(keys);
        if (keys.includes(poison)) throw new Error('cannot process the poison record');
        for (const key of keys) processed.add(key);
      },
    });
    await consumer.start();

    let failure: StreamFailureRecord | undefined;
    await waitFor('the failure record', async () => {
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl: failureQueue.url, WaitTimeSeconds: 1 }),
      );
      const body = out.Messages?.[0]?.Body;
      if (body) failure = JSON.parse(body) as StreamFailureRecord;
      return failure !== undefined;
    });
    await waitFor('the other seven records', () => processed.size === 7);

    expect(invocations[0]).toHaveLength(8);
    expect([...processed].sort()).toEqual(
      [1, 2, 3, 4, 6, 7, 8].map((seq) => `${requestKey}/${seq}`),
    );
    // The poison record ran alone 1 + maximumRetryAttempts times before it was discarded.
    expect(invocations.filter((keys) => keys.length === 1 && keys[0] === poison)).toHaveLength(3);
    const poisonRecordSeq = await sequenceNumberOf(consumer, poison);
    expect(failure).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test-consumer',
      },
      responseContext: { functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        batchSize: 1,
        startSequenceNumber: poisonRecordSeq,
        endSequenceNumber: poisonRecordSeq,
        streamArn: consumer.streamArn,
        shardId: expect.stringMatching(/^shardId-/),
      },
    });
  });

  it('after a partial batch failure, checkpoints before the lowest failed item and retries from it only', async () => {
    const requestKey = `partial-${Date.now()}`;
    for (let seq = 1; seq <= 6; seq++) await put(requestKey, seq);
    const invocations: string[][] = [];
    const consumer = mapping({
      startingPosition: 'TRIM_HORIZON',
      batchSize: 10,
      reportBatchItemFailures: true,
      handler: async (event) => {
        const mine = event.Records.filter((r) => keyOf(r).startsWith(requestKey));
        invocations.push(mine.map(keyOf));
        if (invocations.length > 1) return { batchItemFailures: [] };
        // Report the 5th and the 3rd: the lowest one sets the checkpoint.
        return {
          batchItemFailures: [4, 2].map((i) => ({
            itemIdentifier: mine[i]?.dynamodb?.SequenceNumber ?? '',
          })),
        };
      },
    });
    await consumer.start();
    await waitFor('the retry', () => invocations.length >= 2);

    const keys = (seqs: number[]) => seqs.map((seq) => `${requestKey}/${seq}`);
    expect(invocations[0]).toEqual(keys([1, 2, 3, 4, 5, 6]));
    expect(invocations[1]).toEqual(keys([3, 4, 5, 6]));
  });

  it('discards records older than maximumRecordAgeInSeconds to the on-failure callback without invoking the function', async () => {
    const requestKey = `old-${Date.now()}`;
    for (let seq = 1; seq <= 3; seq++) await put(requestKey, seq);
    const failures: StreamFailureRecord[] = [];
    const invoked: string[] = [];
    const consumer = mapping({
      startingPosition: 'TRIM_HORIZON',
      maximumRecordAgeInSeconds: 60,
      // The mapping's clock runs two hours ahead: every record in the stream is too old.
      now: () => Date.now() + 2 * 3600_000,
      onFailure: (failure) => {
        failures.push(failure);
      },
      handler: async (event) => {
        invoked.push(...event.Records.map(keyOf));
      },
    });
    await consumer.start();
    await waitFor('a discard', () => failures.length > 0);

    expect(invoked).toEqual([]);
    expect(failures[0]?.requestContext).toMatchObject({
      condition: 'MaximumRecordAgeExceeded',
      approximateInvokeCount: 0,
    });
  });

  it('lets two mappings (processor and projector) read the same stream independently, each seeing every record', async () => {
    const seen = { processor: [] as string[], projector: [] as string[] };
    const processor = mapping({
      functionName: 'streamer-processor',
      handler: async (event) => {
        seen.processor.push(...event.Records.map(keyOf));
      },
    });
    const projector = mapping({
      functionName: 'streamer-projector',
      batchSize: 3,
      handler: async (event) => {
        seen.projector.push(...event.Records.map(keyOf));
      },
    });
    await Promise.all([processor.start(), projector.start()]);

    const requestKey = `both-${Date.now()}`;
    for (let seq = 1; seq <= 10; seq++) await put(requestKey, seq);
    const expected = Array.from({ length: 10 }, (_, i) => `${requestKey}/${i + 1}`);
    const mine = (keys: string[]) => keys.filter((k) => k.startsWith(requestKey));
    await waitFor(
      'both mappings to see 10 records',
      () => mine(seen.processor).length >= 10 && mine(seen.projector).length >= 10,
    );

    expect(mine(seen.processor)).toEqual(expected);
    expect(mine(seen.projector)).toEqual(expected);
  });

  it('stop() waits for the in-flight batch, then makes no further Streams calls and invokes nothing', async () => {
    const order: string[] = [];
    const release = deferred();
    let calls = 0;
    const real = streamsReaderFromClient(dynamo.streams);
    const counted = <T>(call: () => Promise<T>) => {
      calls++;
      return call();
    };
    const counting: StreamsReader = {
      describeStream: (input) => counted(() => real.describeStream(input)),
      getShardIterator: (input) => counted(() => real.getShardIterator(input)),
      getRecords: (input) => counted(() => real.getRecords(input)),
    };
    let invocations = 0;
    const consumer = mapping({
      streams: counting,
      shardDiscoveryIntervalMs: 20,
      handler: async () => {
        invocations++;
        order.push('handler started');
        await release.promise;
        order.push('handler finished');
      },
    });
    await consumer.start();
    await put(`stop-${Date.now()}`, 1);
    await waitFor('the handler to start', () => order.length > 0);

    const stopped = consumer.stop().then(() => order.push('stopped'));
    release.resolve();
    await stopped;
    expect(order).toEqual(['handler started', 'handler finished', 'stopped']);

    const callsAtStop = calls;
    await put(`stop-${Date.now()}`, 2);
    // Several poll and discovery intervals pass; a live poller would have called again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(callsAtStop);
    expect(invocations).toBe(1);
  });
});

/** Reads a record's SequenceNumber back through a fresh TRIM_HORIZON mapping (what an operator would do). */
async function sequenceNumberOf(
  source: DynamoDbStreamMapping,
  key: string,
): Promise<string | undefined> {
  let found: string | undefined;
  const reader = mapping({
    source: { streamArn: source.streamArn as string },
    startingPosition: 'TRIM_HORIZON',
    batchSize: 1000,
    handler: async (event) => {
      for (const record of event.Records)
        if (keyOf(record) === key) found = record.dynamodb?.SequenceNumber;
    },
  });
  await reader.start();
  await waitFor(`the record ${key}`, () => found !== undefined);
  await reader.stop();
  return found;
}
