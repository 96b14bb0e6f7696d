import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  createWorkflowRegistry,
  defineHandler,
  defineWorkflow,
  type Workflow,
} from '../../src/engine';
import type { ServerFrame } from '../../src/protocol';
import { sleep } from '../../src/workflows';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';

// The stream only dispatches; runs happen in the runner's own invocations
// (docs/decisions/dispatch-and-run.md). So a long step never holds up
// another request: not its stream batch, not its shard, not its runner.

const LONG_STEP_MS = 8_000;

const longStep = defineHandler({
  action: 'long_step',
  estimatedDuration: 60_000,
  input: z.object({}),
  retry: { maxAttempts: 1 },
  process: async (_input, { signal }) => {
    await sleep(LONG_STEP_MS, signal);
    return { slept: LONG_STEP_MS };
  },
}) as Workflow;

const quickStep = defineHandler({
  action: 'quick_step',
  estimatedDuration: 60_000,
  input: z.object({}),
  retry: { maxAttempts: 1 },
  process: async (_input, { signal }) => {
    await sleep(10, signal);
    return { quick: true };
  },
}) as Workflow;

const waitForGo = defineWorkflow({
  action: 'wait_for_go',
  version: 1,
  estimatedDuration: 60_000,
  input: z.object({}),
  machine: setup({ types: {} as { events: { type: 'go' } } }).createMachine({
    id: 'wait_for_go',
    initial: 'waiting',
    states: { waiting: { on: { go: 'gone' } }, gone: { type: 'final', output: { went: true } } },
  }),
}) as Workflow;

let harness: StackHarness;
beforeAll(async () => {
  harness = await startStackHarness({
    registry: createWorkflowRegistry([longStep, quickStep, waitForGo]),
    // Fewer runner slots than requests in flight: the limit is the runner's, not the stream's.
    runnerConcurrency: 8,
  });
});
afterAll(async () => {
  await harness?.stop();
});

const isComplete = (id: string) => (frame: ServerFrame) =>
  frame.type === 'complete' && frame.request_id === id;

describe('dispatch and run', () => {
  it('completes quick requests and takes a signal while long steps run', async () => {
    const client = await harness.connect('acme');
    // Given five requests whose one step takes 8 s, all running
    const longIds = Array.from({ length: 5 }, (_, i) => `long-${i}`);
    for (const id of longIds) client.send({ action: 'long_step', id, payload: {} });
    client.send({ action: 'wait_for_go', id: 'waiter', payload: {} });
    await client.waitFor((f) => f.type === 'acknowledgment' && f.request_id === 'waiter');
    for (const id of longIds) {
      const started = async () =>
        (await harness.log('acme', id)).some((e) => e.type === 'step.started');
      await expect.poll(started, { timeout: 30_000, interval: 50 }).toBe(true);
    }
    // When twenty quick requests and a signal arrive
    const quickIds = Array.from({ length: 20 }, (_, i) => `quick-${i}`);
    for (const id of quickIds) client.send({ action: 'quick_step', id, payload: {} });
    client.send({
      action: 'signal',
      id: 's1',
      payload: { request_id: 'waiter', event: { type: 'go' } },
    });
    // Then all of them complete, and the signal takes effect, while the long steps still run
    await Promise.all(quickIds.map((id) => client.waitFor(isComplete(id), 30_000)));
    await client.waitFor(isComplete('waiter'), 30_000);
    const longDone = client.frames.filter(
      (frame) => frame.type === 'complete' && longIds.includes(frame.request_id),
    );
    expect(longDone).toEqual([]);
    // And the long ones complete too, once each
    await Promise.all(longIds.map((id) => client.waitFor(isComplete(id), 60_000)));
    for (const id of [...longIds, ...quickIds]) {
      const log = await harness.log('acme', id);
      expect(
        log.filter((e) => e.type === 'step.started'),
        id,
      ).toHaveLength(1);
      expect(
        log.filter((e) => e.type === 'request.completed'),
        id,
      ).toHaveLength(1);
    }
  }, 120_000);
});
