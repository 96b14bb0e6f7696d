import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import {
  createSqsEventSourceMapping,
  type LocalQueue,
  type LocalSqs,
  type SqsEventSourceMapping,
  type SqsEventSourceMappingOptions,
  startLocalSqs,
} from '../../src/local/sqs';
import { waitFor } from './waitFor';

let sqs: LocalSqs;
let client: SQSClient;
let mappings: SqsEventSourceMapping[] = [];

beforeEach(async () => {
  sqs = await startLocalSqs();
  client = sqs.createClient();
});

afterEach(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  mappings = [];
  client.destroy();
  await sqs.stop();
});

function start(
  queue: LocalQueue,
  overrides: Partial<SqsEventSourceMappingOptions> & Pick<SqsEventSourceMappingOptions, 'handler'>,
): SqsEventSourceMapping {
  const mapping = createSqsEventSourceMapping({
    functionName: 'test-consumer',
    sqs: client,
    queue,
    onError: () => {},
    ...overrides,
  });
  mappings.push(mapping);
  mapping.start();
  return mapping;
}

/** Visible, in-flight and delayed message counts of a queue. */
async function counts(
  queue: LocalQueue,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queue.url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed),
  };
}

const empty = { visible: 0, inFlight: 0, delayed: 0 };

describe('local SQS', () => {
  it('creates the dead-letter, wake-up and stream-failure queues, reachable by SQS clients with the local credentials', async () => {
    expect(sqs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const queue of Object.values(sqs.queues)) {
      // The dead-letter queue is FIFO, so its messages need a group and a deduplication id.
      const fifo = queue.name.endsWith('.fifo');
      await client.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: `hello ${queue.name}`,
          ...(fifo && { MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
        }),
      );
      const out = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }),
      );
      expect(out.Messages?.[0]?.Body).toBe(`hello ${queue.name}`);
      expect(queue.arn).toBe(`arn:aws:sqs:us-east-1:000000000000:${queue.name}`);
    }
  });

  it('gives queue URLs on 127.0.0.1, so a client configured only by AWS_ENDPOINT_URL_SQS (as a Lambda is) reaches them', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = sqs.endpoint;
    const envClient = new SQSClient({ ...LOCAL_AWS });
    try {
      const queue = sqs.queues.wakeUp;
      expect(new URL(queue.url).origin).toBe(sqs.endpoint);
      await envClient.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'via env' }));
      const out = await envClient.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 1 }),
      );
      expect(out.Messages?.[0]?.Body).toBe('via env');
    } finally {
      envClient.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = saved;
    }
  });
});

describe('local SQS event-source mapping', () => {
  it('invokes the handler with Lambda-shaped records and deletes the messages it processed', async () => {
    const queue = sqs.queues.wakeUp;
    await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify({ requestKey: 'acme#r1', dueAt: 1 }),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'wake-up' } },
      }),
    );
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'second' }));
    const records: SQSRecord[] = [];
    start(queue, {
      handler: async (event) => {
        records.push(...event.Records);
      },
    });
    await waitFor('two records', () => records.length >= 2);
    await waitFor(
      'the queue to be empty',
      async () => JSON.stringify(await counts(queue)) === JSON.stringify(empty),
    );

    expect(records.map((r) => r.body).sort()).toEqual(
      ['second', JSON.stringify({ requestKey: 'acme#r1', dueAt: 1 })].sort(),
    );
    const first = records.find((r) => r.body !== 'second') as SQSRecord;
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      messageAttributes: {
        kind: {
          dataType: 'String',
          stringValue: 'wake-up',
          stringListValues: [],
          binaryListValues: [],
        },
      },
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(first.messageId).toEqual(expect.any(String));
    expect(first.receiptHandle).toEqual(expect.any(String));
    expect(first.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(first.attributes.SentTimestamp)).toBeGreaterThan(0);
  });

  it('leaves the messages of a failed invocation in the queue, and they are delivered again after the visibility timeout', async () => {
    const queue = await sqs.createQueue({ name: 'flaky', attributes: { VisibilityTimeout: '1' } });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'try me twice' }));
    const deliveries: string[] = [];
    start(queue, {
      handler: async (event) => {
        for (const record of event.Records)
          deliveries.push(record.attributes.ApproximateReceiveCount);
        if (deliveries.length === 1) throw new Error('first attempt fails');
      },
    });
    await waitFor('the redelivery', () => deliveries.length >= 2);
    await waitFor(
      'the queue to be empty',
      async () => JSON.stringify(await counts(queue)) === JSON.stringify(empty),
    );

    expect(deliveries).toEqual(['1', '2']);
  });

  it('with reportBatchItemFailures, deletes the rest of the batch and redelivers only the reported message', async () => {
    const queue = await sqs.createQueue({
      name: 'partial',
      attributes: { VisibilityTimeout: '1' },
    });
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: ['a', 'b', 'c'].map((body) => ({ Id: body, MessageBody: body })),
      }),
    );
    const deliveries: string[] = [];
    start(queue, {
      reportBatchItemFailures: true,
      handler: async (event) => {
        deliveries.push(
          ...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`),
        );
        const b = event.Records.find(
          (r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1',
        );
        return { batchItemFailures: b ? [{ itemIdentifier: b.messageId }] : [] };
      },
    });
    await waitFor('b to come back', () => deliveries.includes('b#2'));
    await waitFor(
      'the queue to be empty',
      async () => JSON.stringify(await counts(queue)) === JSON.stringify(empty),
    );

    expect(deliveries.sort()).toEqual(['a#1', 'b#1', 'b#2', 'c#1']);
  });

  it('honours DelaySeconds: a delayed wake-up stays invisible until its delay has passed, then is delivered', async () => {
    const queue = sqs.queues.wakeUp;
    await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: 'wake up later',
        DelaySeconds: 2,
      }),
    );

    expect(await counts(queue)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    const early = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 0 }),
    );
    expect(early.Messages).toBeUndefined();

    const records: SQSRecord[] = [];
    start(queue, {
      handler: async (event) => {
        records.push(...event.Records);
      },
    });
    await waitFor('the delayed message', () => records.length > 0);

    const record = records[0] as SQSRecord;
    expect(record.body).toBe('wake up later');
    const firstReceivedAfterMs =
      Number(record.attributes.ApproximateFirstReceiveTimestamp) -
      Number(record.attributes.SentTimestamp);
    expect(firstReceivedAfterMs).toBeGreaterThanOrEqual(2000);
  });

  it('stop() waits for the in-flight invocation and afterwards consumes nothing', async () => {
    const queue = sqs.queues.streamFailures;
    const order: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mapping = start(queue, {
      handler: async (event) => {
        order.push(`handled ${event.Records.map((r) => r.body).join(',')}`);
        await held;
        order.push('handler finished');
      },
    });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'before stop' }));
    await waitFor('the handler to start', () => order.length > 0);

    const stopped = mapping.stop().then(() => order.push('stopped'));
    release();
    await stopped;
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'after stop' }));
    // Longer than the mapping's long poll: a live poller would have taken it.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    expect(order).toEqual(['handled before stop', 'handler finished', 'stopped']);
    expect(await counts(queue)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });

  it('puts back a message that the last long poll picks up while stop() is waiting for it', async () => {
    const queue = sqs.queues.wakeUp;
    const handled: string[] = [];
    const mapping = start(queue, {
      waitTimeSeconds: 2,
      handler: async (event) => {
        handled.push(...event.Records.map((r) => r.body));
      },
    });
    // Let the poller enter its long poll, then stop while a message arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = mapping.stop();
    await client.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'arrives during stop' }),
    );
    await stopped;

    expect(handled).toEqual([]);
    expect(await counts(queue)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });
});
