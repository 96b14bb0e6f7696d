import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { step, type Workflow, type WorkflowRegistry } from '../../src/engine';
import { normalizeRetryPolicy } from '../../src/engine/retry';
import { SqsDeadLetterQueue } from '../../src/queues/deadLetterQueue';
import { createDemoRegistry } from '../../src/workflows';
import { waitFor } from '../local/waitFor';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';

// A request whose log the deployed workflows cannot run: its machine, after a
// real step, invokes a promise actor from another copy of the engine (no step
// marker here). Built without defineWorkflow and served by a registry with no
// checks of its own, so this keeps testing the runtime path for logs recorded
// under a definition that cannot run now, whatever registration refuses.
const prepare = step(async ({ progress }) => {
  progress.report(30, 'Prepared');
  return { prepared: true };
});
const broken: Workflow = {
  action: 'broken_report',
  version: 1,
  estimatedDuration: 60_000,
  input: z.object({}),
  retry: normalizeRetryPolicy({ maxAttempts: 4, initialDelayMs: 50 }),
  machine: setup({ actors: { prepare, foreign: fromPromise(async () => 1) } }).createMachine({
    initial: 'preparing',
    states: {
      preparing: { invoke: { id: 'prepare', src: 'prepare', onDone: 'rendering' } },
      rendering: { invoke: { id: 'render', src: 'foreign', onDone: 'done' } },
      done: { type: 'final' },
    },
  }),
};
const demos = createDemoRegistry({ speed: 20 });
const registry: WorkflowRegistry = {
  get: (action, version) =>
    action === broken.action && (version === undefined || version === 1)
      ? broken
      : demos.get(action, version),
  require: (action, version) =>
    action === broken.action ? broken : demos.require(action, version),
  actions: () => [...demos.actions(), broken.action].sort(),
};

let harness: StackHarness;
const runnerResponses: SQSBatchResponse[] = [];
const runnerThrows: unknown[] = [];
beforeAll(async () => {
  harness = await startStackHarness({
    registry,
    wrapRunnerHandler: (handler) => async (event, context) => {
      try {
        const response = await handler(event, context);
        runnerResponses.push(response);
        return response;
      } catch (error) {
        runnerThrows.push(error);
        throw error;
      }
    },
  });
});
afterAll(async () => {
  await harness?.stop();
});

describe('a request its workflow cannot run', () => {
  it('ends with one request.failed, one error frame, one dead-letter message and one error log line, on its first delivery', async () => {
    // Powertools writes error lines to stderr (the rest to stdout).
    const logged = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    // Given a client that sends a request of a workflow whose second step is not a step of this engine
    const client = await harness.connect('acme');
    client.send({ action: 'broken_report', id: 'br-1', payload: {} });
    await client.waitFor((f) => f.type === 'acknowledgment' && f.request_id === 'br-1');
    // When it runs: then it fails, clearly
    const failed = await client.waitFor((f) => f.type === 'error' && f.request_id === 'br-1');
    expect(failed).toMatchObject({
      error: {
        code: 'PROCESSING_FAILED',
        message: expect.stringMatching(/broken_report v1 cannot run .*"render" that is not a step/),
        details: { name: 'NotAStepError', retryable: false },
      },
    });
    // And it is recorded as failed once and dead-lettered once, after the step that did run
    await waitFor('the dead letter', async () =>
      (await harness.log('acme', 'br-1')).some((e) => e.type === 'request.dead_lettered'),
    );
    const log = await harness.log('acme', 'br-1');
    expect(log.map((e) => e.type)).toEqual([
      'request.accepted',
      'step.started',
      'step.progress',
      'step.completed',
      'request.failed',
      'request.dead_lettered',
    ]);
    expect(log[4]?.data).toMatchObject({ exhausted: true, unrunnable: true, attempts: 0 });
    // And the view is DEAD_LETTERED, so the client got every frame of the log already
    await waitFor('the view', async () => {
      const { Item } = await harness.stack.dynamo.send(
        new GetItemCommand({
          TableName: harness.stack.tables.requestView,
          Key: marshall({ requestKey: 'acme#br-1' }),
          ConsistentRead: true,
        }),
      );
      return Item !== undefined && unmarshall(Item).status === 'DEAD_LETTERED';
    });
    expect(client.frames.filter((f) => f.type === 'error')).toHaveLength(1);
    // And exactly one message waits in the dead-letter queue
    const queue = new SqsDeadLetterQueue({
      sqs: harness.stack.sqs,
      queueUrl: harness.stack.queueUrls.deadLetter,
    });
    const messages = await queue.receive(10);
    expect(messages.map((m) => m.message.requestId)).toEqual(['br-1']);
    // And no run failed, so the wake-up was never retried
    expect(runnerThrows).toEqual([]);
    expect(runnerResponses.flatMap((r) => r.batchItemFailures)).toEqual([]);
    // And the runner logged one error line naming the workflow and the cause
    const lines = logged
      .flatMap((spy) => spy.mock.calls.map(([chunk]) => String(chunk)))
      .filter((line) => line.includes('request cannot run'));
    for (const spy of logged) spy.mockRestore();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'ERROR',
      action: 'broken_report',
      cause: expect.stringContaining('NotAStepError'),
    });
  });
});
