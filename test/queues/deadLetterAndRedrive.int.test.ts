import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  acceptRequest,
  type RunOutcome,
  redriveRequest,
  runRequest,
  type WorkflowRegistry,
} from '../../src/engine';
import { toRequestKey } from '../../src/events';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { type LocalSqs, startLocalSqs } from '../../src/local/sqs';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import { foldRequestView } from '../../src/projections/requestView';
import { SqsDeadLetterQueue } from '../../src/queues/deadLetterQueue';
import { redriveDeadLetters } from '../../src/queues/redrive';
import { createDemoRegistry, FLAKY_MAX_ATTEMPTS } from '../../src/workflows';
import { createTestTables, type TestDynamo } from '../support/dynamo';

let ddb: TestDynamo;
let localSqs: LocalSqs;
let sqs: SQSClient;
let store: DynamoDbEventStore;
let dlq: SqsDeadLetterQueue;
let views: DynamoDbRequestViewStore;
let registry: WorkflowRegistry;
// A clock the test moves forward, so retry backoffs pass without waiting.
let now = 1_800_000_000_000;
const clock = () => now;

beforeAll(async () => {
  ddb = await createTestTables('dlq');
  localSqs = await startLocalSqs();
  sqs = localSqs.createClient();
  store = new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests });
  views = new DynamoDbRequestViewStore({ client: ddb.client, tableName: ddb.tables.requestView });
  // Real speed: the retry delays are what is checked, and the fake clock skips them.
  registry = createDemoRegistry({ speed: 1 });
});
// Each test gets its own FIFO dead-letter queue, so one test's leftovers never reach another.
let dlqUrl: string;
let queues = 0;
beforeEach(async () => {
  const queue = await localSqs.createQueue({
    name: `dead-letters-${++queues}.fifo`,
    attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '1' },
  });
  dlqUrl = queue.url;
  dlq = new SqsDeadLetterQueue({ sqs, queueUrl: dlqUrl });
});
afterAll(async () => {
  sqs.destroy();
  await localSqs.stop();
});

async function messagesInQueue(): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Runs the request like the processor and the timer would, jumping the clock to each retry. */
async function runUntilSettled(
  requestKey: string,
  workflows: WorkflowRegistry = registry,
): Promise<RunOutcome> {
  for (let runs = 0; runs < 20; runs++) {
    const outcome = await runRequest({
      store,
      registry: workflows,
      requestKey,
      remainingTimeMs: () => 60_000,
      clock,
      deadLetterSink: dlq,
    });
    if (outcome.kind !== 'retry_scheduled') return outcome;
    now = outcome.retryAt;
  }
  throw new Error('the request never settled');
}

describe('dead-letter queue and redrive', () => {
  it('parks an exhausted request as exactly one DLQ message, and redrive completes it once', async () => {
    // Given a flaky request that fails every attempt it is allowed
    const workflow = registry.get('flaky_step');
    if (!workflow) throw new Error('flaky_step is not registered');
    const requestKey = toRequestKey('acme', 'flaky-1');
    await acceptRequest(store, {
      workflow,
      tenantId: 'acme',
      userId: 'u1',
      requestId: 'flaky-1',
      input: { failures: FLAKY_MAX_ATTEMPTS },
      now,
    });

    // When it runs until it settles
    const exhausted = await runUntilSettled(requestKey);

    // Then it is dead-lettered, with growing delays between attempts, and one message waits in the DLQ
    expect(exhausted.kind).toBe('dead_lettered');
    const log = await store.read(requestKey);
    expect(log.filter((e) => e.type === 'request.dead_lettered')).toHaveLength(1);
    const starts = log
      .filter((e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === 'call')
      .map((e) => e.at);
    const gaps = starts.slice(1).map((at, i) => at - (starts[i] as number));
    expect(gaps).toHaveLength(FLAKY_MAX_ATTEMPTS - 1);
    expect(gaps[0]).toBeGreaterThan(0);
    expect(gaps[1]).toBeGreaterThanOrEqual(gaps[0] as number);
    expect(await messagesInQueue()).toBe(1);

    // A crash-and-resend of the same dead-letter intent does not make a second message
    const [received] = await dlq.receive(1);
    if (!received) throw new Error('no DLQ message');
    expect(received.message).toMatchObject({
      requestKey,
      tenantId: 'acme',
      action: 'flaky_step',
      attempts: FLAKY_MAX_ATTEMPTS,
    });
    expect(received.message.errors).toHaveLength(FLAKY_MAX_ATTEMPTS);
    await dlq.send(received.message);
    expect(await messagesInQueue()).toBe(1);

    // When an operator redrives (the received message becomes visible again first)
    const first = await redriveAfterVisibility();
    // Then the request restarts and completes; the queue is empty
    expect(first.redriven).toEqual([requestKey]);
    expect(await messagesInQueue()).toBe(0);
    const completed = await runUntilSettled(requestKey);
    expect(completed.kind).toBe('completed');

    // And redriving again changes nothing
    const versionBefore = (await store.read(requestKey)).length;
    const second = await redriveDeadLetters({
      views,
      queue: dlq,
      store,
      registry,
      clock,
      by: 'test',
    });
    expect(second).toEqual({
      redriven: [],
      skipped: [],
      failed: [],
      found: { index: 0, queue: 0 },
      messagesDeleted: 0,
    });
    expect((await store.read(requestKey)).length).toBe(versionBefore);
    const terminal = (await store.read(requestKey)).filter((e) => e.type === 'request.completed');
    expect(terminal).toHaveLength(1);
  });

  it('deletes a stale message without restarting a request that was already redriven', async () => {
    const workflow = registry.get('flaky_step');
    if (!workflow) throw new Error('flaky_step is not registered');
    const requestKey = toRequestKey('acme', 'flaky-2');
    await acceptRequest(store, {
      workflow,
      tenantId: 'acme',
      userId: 'u1',
      requestId: 'flaky-2',
      input: { failures: FLAKY_MAX_ATTEMPTS },
      now,
    });
    expect((await runUntilSettled(requestKey)).kind).toBe('dead_lettered');
    const [message] = await dlq.receive(1);
    if (!message) throw new Error('no DLQ message');
    // The first redrive crashed after restarting the request but before deleting the message.
    await redriveRequest(store, registry, message.message.requestKey, {
      tenantId: 'acme',
      userId: 'ops',
      now,
      by: 'ops',
    });
    const report = await redriveAfterVisibility();
    expect(report.redriven).toEqual([]);
    expect(report.skipped).toEqual([{ requestKey, reason: 'already redriven' }]);
    expect(
      (await store.read(requestKey)).filter((e) => e.type === 'request.redriven'),
    ).toHaveLength(1);
  });
});

/** Twenty request ids that differ only in one non-ASCII letter (a lossy ASCII mapping made them one). */
const NON_ASCII_IDS = [...'éüñøåçßžłőāēīōūğşıțř'].map((letter) => `dl-${letter}`);

/** Accepts a flaky request of `tenant` that fails every attempt, and runs it until it is dead-lettered. */
async function deadLetter(
  tenant: string,
  requestId: string,
  fast: WorkflowRegistry,
): Promise<void> {
  const workflow = fast.require('flaky_step');
  await acceptRequest(store, {
    workflow,
    tenantId: tenant,
    userId: 'u1',
    requestId,
    input: { failures: FLAKY_MAX_ATTEMPTS },
    now,
  });
  const outcome = await runUntilSettled(toRequestKey(tenant, requestId), fast);
  expect(outcome.kind).toBe('dead_lettered');
}

/** What the projector does for a request: store the fold of its log as its view. */
async function project(tenant: string, requestId: string): Promise<void> {
  const view = foldRequestView(await store.read(toRequestKey(tenant, requestId)));
  if (!view) throw new Error(`no log for ${requestId}`);
  await views.save(view);
}

describe('the log is the record of every dead letter', () => {
  const fast = createDemoRegistry({ speed: 20 });
  const keys = (tenant: string) => NON_ASCII_IDS.map((id) => toRequestKey(tenant, id));

  it('dead-letters 20 ids that differ only in non-ASCII letters as 20 messages, and redrives all 20', async () => {
    // Given twenty dead-lettered requests whose ids differ only in a non-ASCII letter
    for (const id of NON_ASCII_IDS) await deadLetter('umlaut', id, fast);
    for (const id of NON_ASCII_IDS) await project('umlaut', id);
    // Then each has its own message: none was de-duplicated into another's
    expect(await messagesInQueue()).toBe(20);
    // When an operator redrives
    const report = await redriveDeadLetters({
      views,
      queue: dlq,
      store,
      registry: fast,
      clock,
      by: 'test',
    });
    // Then all twenty are restarted, found in both the view and the queue, and the queue is empty
    expect(report.failed).toEqual([]);
    expect([...report.redriven].sort()).toEqual(keys('umlaut').sort());
    expect(report.found).toEqual({ index: 20, queue: 20 });
    expect(report.messagesDeleted).toBe(20);
    expect(await messagesInQueue()).toBe(0);
    // And each completes
    for (const key of keys('umlaut'))
      expect((await runUntilSettled(key, fast)).kind).toBe('completed');
    for (const id of NON_ASCII_IDS) await project('umlaut', id);
  });

  it('redrives dead letters whose queue messages were lost, from the request view alone', async () => {
    // Given dead-lettered requests whose messages are gone (expired, or a restarted local queue)
    for (const id of NON_ASCII_IDS.slice(0, 5)) await deadLetter('lost', id, fast);
    for (const id of NON_ASCII_IDS.slice(0, 5)) await project('lost', id);
    const purge = new SqsDeadLetterQueue({ sqs, queueUrl: dlqUrl });
    for (const received of await purge.receive(10)) await purge.delete(received.receiptHandle);
    expect(await messagesInQueue()).toBe(0);
    // When an operator redrives
    const report = await redriveDeadLetters({
      views,
      queue: dlq,
      store,
      registry: fast,
      clock,
      by: 'test',
    });
    // Then every one of them is restarted all the same
    expect([...report.redriven].sort()).toEqual(keys('lost').slice(0, 5).sort());
    expect(report.found).toEqual({ index: 5, queue: 0 });
    for (const key of keys('lost').slice(0, 5)) {
      expect((await runUntilSettled(key, fast)).kind).toBe('completed');
    }
    for (const id of NON_ASCII_IDS.slice(0, 5)) await project('lost', id);
  });

  it('redrives a dead letter the view has not caught up with, from its queue message', async () => {
    // Given a dead-lettered request the projector has not folded yet
    await deadLetter('lagging', 'dl-ß', fast);
    // When an operator redrives
    const report = await redriveDeadLetters({
      views,
      queue: dlq,
      store,
      registry: fast,
      clock,
      by: 'test',
    });
    // Then its message names it, it is restarted, and the message is gone
    expect(report).toEqual({
      redriven: [toRequestKey('lagging', 'dl-ß')],
      skipped: [],
      failed: [],
      found: { index: 0, queue: 1 },
      messagesDeleted: 1,
    });
    expect(await messagesInQueue()).toBe(0);
  });
});

/** Received messages stay invisible for the queue's visibility timeout; wait it out, then redrive. */
async function redriveAfterVisibility() {
  for (let tries = 0; tries < 80; tries++) {
    const report = await redriveDeadLetters({
      views,
      queue: dlq,
      store,
      registry,
      clock,
      by: 'test',
    });
    if (report.redriven.length + report.skipped.length + report.failed.length > 0) return report;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the DLQ message never became visible again');
}
