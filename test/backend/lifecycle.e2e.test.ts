import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StoredEvent, toRequestKey } from '../../src/events';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { frameForEvent } from '../../src/projections/progressFeed';
import type { ServerFrame } from '../../src/protocol';
import { SqsDeadLetterQueue } from '../../src/queues/deadLetterQueue';
import { redriveDeadLetters } from '../../src/queues/redrive';
import { createDemoRegistry, FLAKY_MAX_ATTEMPTS } from '../../src/workflows';
import {
  framesOf,
  type StackClient,
  type StackHarness,
  startStackHarness,
} from '../support/localStackHarness';

// The whole local stack (what `npm start` runs): real WebSockets, the gateway,
// DynamoDB Local with streams, the stream mappings, the SQS emulator.
let harness: StackHarness;
let bystander: StackClient;

beforeAll(async () => {
  harness = await startStackHarness({ demoSpeed: 4 });
  // A client of another tenant, connected throughout: it must never hear of tenant acme's work.
  bystander = await harness.connect('globex');
});
afterAll(async () => {
  await harness?.stop();
});

const asyncDemos: [action: string, payload: unknown][] = [
  ['echo_async', { message: 'hello' }],
  [
    'generate_report',
    { start_date: '2026-01-01', end_date: '2026-03-31', format: 'csv', report_type: 'quarterly' },
  ],
  [
    'process_data',
    { dataset_id: 'ds-42', operations: ['clean', 'dedupe', 'aggregate'], output_format: 'json' },
  ],
  ['bulk_operation', { items: Array.from({ length: 120 }, (_, i) => ({ id: i })), batch_size: 20 }],
  // One per engine feature: a durable timer, map, parallel steps with a child workflow.
  ['reminder', { message: 'stand up', delay_ms: 300 }],
  ['resize_images', { images: Array.from({ length: 30 }, (_, i) => `img-${i}.png`) }],
  ['trip_booking', { destination: 'Lisbon', nights: 3, amount_cents: 42_000 }],
];

/** Resolves once the projector has folded the whole log into the view (it posts frames before saving). */
async function projected(tenant: string, id: string): Promise<void> {
  const lastSeq = (await harness.log(tenant, id)).length;
  for (let i = 0; i < 200; i++) {
    const { Item } = await harness.stack.dynamo.send(
      new GetItemCommand({
        TableName: harness.stack.tables.requestView,
        Key: marshall({ requestKey: `${tenant}#${id}` }),
        ConsistentRead: true,
      }),
    );
    if (Item && unmarshall(Item).lastSeq >= lastSeq) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the view of ${id} never caught up with its log`);
}

/** The frames the log says the client must see for a request, in order. */
async function expectedFrames(tenant: string, id: string): Promise<ServerFrame[]> {
  return (await harness.log(tenant, id)).flatMap((event) => frameForEvent(event, id) ?? []);
}

const withoutTimestamp = (frames: readonly ServerFrame[]) =>
  frames.map(({ timestamp: _, ...rest }) => rest);

describe('async demo workflows over a real WebSocket', () => {
  it.each(asyncDemos)(
    '%s: acknowledgment, rising progress, then exactly one complete',
    async (action, payload) => {
      // Given a connected client of tenant acme
      const client = await harness.connect('acme');
      const id = `${action}-1`;
      // When it sends the action
      client.send({ action, id, payload });
      // Then it is acknowledged, progresses, and completes
      const ack = await client.waitFor((f) => f.type === 'acknowledgment' && f.request_id === id);
      expect(ack).toMatchObject({ status: 'queued' });
      const complete = await client.waitFor((f) => f.type === 'complete' && f.request_id === id);
      await projected('acme', id);

      const progress = framesOf(client.frames, id, ['progress']) as Extract<
        ServerFrame,
        { type: 'progress' }
      >[];
      expect(progress.length).toBeGreaterThan(0);
      const percentages = progress.map((f) => f.percentage);
      expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
      expect(framesOf(client.frames, id, ['complete'])).toHaveLength(1);
      expect(framesOf(client.frames, id, ['error'])).toHaveLength(0);
      expect(client.frames.indexOf(ack)).toBeLessThan(
        client.frames.indexOf(progress[0] as ServerFrame),
      );
      expect(client.frames.indexOf(complete)).toBeGreaterThan(
        client.frames.indexOf(progress.at(-1) as ServerFrame),
      );
      // And what arrived is exactly what the log says, in order, nothing twice
      expect(
        withoutTimestamp(framesOf(client.frames, id, ['progress', 'complete', 'error'])),
      ).toEqual(withoutTimestamp(await expectedFrames('acme', id)));
      expect((complete as Extract<ServerFrame, { type: 'complete' }>).result).toBeTruthy();
      await client.close();
    },
  );

  it('a client that disconnects mid-way and subscribes with its last_seq misses nothing', async () => {
    // Given a long request whose first progress the client has seen
    const first = await harness.connect('acme', 'ann');
    const id = 'bulk-resume';
    first.send({
      action: 'bulk_operation',
      id,
      payload: { items: Array.from({ length: 400 }, (_, i) => i), batch_size: 10 },
    });
    const seen = (await first.waitFor(
      (f) => f.type === 'progress' && f.request_id === id,
    )) as Extract<ServerFrame, { type: 'progress' }>;
    // When it drops, and a new connection of the same tenant subscribes from the last seq it saw
    await first.close();
    const beforeDrop = framesOf(first.frames, id, ['progress', 'complete']);
    const lastSeq = Math.max(...beforeDrop.map((f) => ('seq' in f ? (f.seq ?? 0) : 0)));
    expect(lastSeq).toBeGreaterThanOrEqual(seen.seq);
    const second = await harness.connect('acme', 'ann');
    second.send({
      action: 'subscribe',
      id: 'sub-1',
      payload: { request_id: id, last_seq: lastSeq },
    });
    expect(
      await second.waitFor((f) => 'request_id' in f && f.request_id === 'sub-1'),
    ).toMatchObject({
      type: 'response',
      success: true,
    });
    await second.waitFor((f) => f.type === 'complete' && f.request_id === id);
    await projected('acme', id);

    // Then every frame after last_seq came, and nothing at or before it came again
    const afterReconnect = framesOf(second.frames, id, ['progress', 'complete']);
    expect(afterReconnect.every((f) => 'seq' in f && (f.seq ?? 0) > lastSeq)).toBe(true);
    // Clients drop repeated seqs and order by seq (a live frame can race the catch-up, before or
    // after the catch-up frames it follows: docs/client.md, "Ordering"); then the union is the log
    const union = new Map<number, ServerFrame>();
    for (const frame of [...beforeDrop, ...afterReconnect])
      if ('seq' in frame) union.set(frame.seq ?? 0, frame);
    const inSeqOrder = [...union].sort(([a], [b]) => a - b).map(([, frame]) => frame);
    expect(withoutTimestamp(inSeqOrder)).toEqual(
      withoutTimestamp(await expectedFrames('acme', id)),
    );
    expect(framesOf(second.frames, id, ['complete'])).toHaveLength(1);
  });

  it('two tenants using the same request id each get only their own frames', async () => {
    const acme = await harness.connect('acme');
    const globex = await harness.connect('globex', 'gus');
    acme.send({ action: 'echo_async', id: 'same-id', payload: { message: 'from acme' } });
    globex.send({ action: 'echo_async', id: 'same-id', payload: { message: 'from globex' } });
    const acmeDone = await acme.waitFor((f) => f.type === 'complete');
    const globexDone = await globex.waitFor((f) => f.type === 'complete');
    expect(JSON.stringify(acmeDone)).toContain('from acme');
    expect(JSON.stringify(acmeDone)).not.toContain('from globex');
    expect(JSON.stringify(globexDone)).toContain('from globex');
    expect(JSON.stringify(acme.frames)).not.toContain('from globex');
    expect(JSON.stringify(globex.frames)).not.toContain('from acme');
  });

  it('a flaky request retries with growing delays, is dead-lettered once, and redrive completes it once', async () => {
    // Given a request whose step fails as many times as it may be attempted
    const client = await harness.connect('acme');
    client.send({ action: 'flaky_step', id: 'flaky-1', payload: { failures: FLAKY_MAX_ATTEMPTS } });
    // When its attempts run out (each retry woken by a delayed SQS message)
    const failed = await client.waitFor(
      (f) => f.type === 'error' && f.request_id === 'flaky-1',
      60_000,
    );
    expect(failed).toMatchObject({ error: { code: 'PROCESSING_FAILED' } });
    const log = await harness.log('acme', 'flaky-1');
    const callStarts = log
      .filter((e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === 'call')
      .map((e) => e.at);
    expect(callStarts).toHaveLength(FLAKY_MAX_ATTEMPTS);
    // Each delay is measured from the failure that set it, not from the attempt's
    // start: how long an attempt ran (longer on a loaded machine) is not backoff.
    const delays = (log.filter((e) => e.type === 'step.failed') as StoredEvent[]).flatMap((e) => {
      const { retryAt } = e.data as { retryAt?: number };
      return retryAt === undefined ? [] : [retryAt - e.at];
    });
    expect(delays).toHaveLength(FLAKY_MAX_ATTEMPTS - 1);
    expect(delays[1]).toBeGreaterThanOrEqual(delays[0] as number);
    // Then it is recorded as dead-lettered, listed by the view's dead-letter index,
    // and exactly one message waits in the dead-letter queue
    for (let i = 0; i < 200; i++) {
      const log = await harness.log('acme', 'flaky-1');
      if (log.some((e) => e.type === 'request.dead_lettered')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await projected('acme', 'flaky-1');
    const queue = new SqsDeadLetterQueue({
      sqs: harness.stack.sqs,
      queueUrl: harness.stack.queueUrls.deadLetter,
    });
    const views = new DynamoDbRequestViewStore({
      client: harness.stack.dynamo,
      tableName: harness.stack.tables.requestView,
    });
    const redrive = () =>
      redriveDeadLetters({
        views,
        queue,
        store: harness.store,
        registry: createDemoRegistry(),
        clock: Date.now,
        by: 'test',
      });
    const report = await redrive();
    expect(report).toEqual({
      redriven: [toRequestKey('acme', 'flaky-1')],
      skipped: [],
      failed: [],
      found: { index: 1, queue: 1 },
      messagesDeleted: 1,
    });
    // And the redriven request completes, on the same connection
    const complete = await client.waitFor(
      (f) => f.type === 'complete' && f.request_id === 'flaky-1',
      60_000,
    );
    expect(complete).toMatchObject({ result: { succeeded_on_attempt: 1 } });
    await projected('acme', 'flaky-1');
    // Redriving again changes nothing
    const before = (await harness.log('acme', 'flaky-1')).length;
    expect(await redrive()).toEqual({
      redriven: [],
      skipped: [],
      failed: [],
      found: { index: 0, queue: 0 },
      messagesDeleted: 0,
    });
    const after = await harness.log('acme', 'flaky-1');
    expect(after).toHaveLength(before);
    expect(after.filter((e) => e.type === 'request.dead_lettered')).toHaveLength(1);
    expect(after.filter((e) => e.type === 'request.completed')).toHaveLength(1);
  });

  it('a client of another tenant connected throughout received no frame at all', async () => {
    await projected('acme', 'bulk-resume');
    expect(bystander.frames).toEqual([]);
  });
});
