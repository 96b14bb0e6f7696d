import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  acceptRequest,
  createWorkflowRegistry,
  defineWorkflow,
  runRequest,
  step,
} from '../../src/engine';
import { InMemoryEventStore, type StoredEvent, toRequestKey } from '../../src/events';
import type { RunnerHandler } from '../../src/local/stack';
import { createDemoWorkflows } from '../../src/workflows';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';

// The local stack with a short function timeout (3 s), so long steps outlive
// an invocation, and a processor that can be made to crash mid-step.

/** Side effects the `charge` step performed, by request. */
const charges = new Map<string, number>();
/** Requests whose next `charge` crashes its Lambda right after the side effect. */
const crashAfterSideEffect = new Set<string>();
let crashNow: (() => void) | undefined;

const chargeThenNotify = defineWorkflow({
  action: 'charge_then_notify',
  version: 1,
  estimatedDuration: 60_000,
  input: z.object({ amount: z.number() }),
  retry: { maxAttempts: 3, initialDelayMs: 100, backoffRate: 2, maxDelayMs: 1_000 },
  machine: setup({
    types: {} as { input: { amount: number } },
    actors: {
      charge: step<{ charged: number }, { amount: number }>(
        async ({ input, tenantId, requestId }) => {
          const requestKey = toRequestKey(tenantId, requestId);
          charges.set(requestKey, (charges.get(requestKey) ?? 0) + 1);
          if (crashAfterSideEffect.delete(requestKey)) {
            // The Lambda dies here: the invocation fails, and this run never writes again.
            crashNow?.();
            await new Promise<never>(() => undefined);
          }
          return { charged: input.amount };
        },
      ),
      notify: step<{ notified: true }>(async () => ({ notified: true })),
    },
  }).createMachine({
    id: 'charge_then_notify',
    initial: 'charging',
    states: {
      charging: { invoke: { id: 'charge', src: 'charge', onDone: 'notifying' } },
      notifying: { invoke: { id: 'notify', src: 'notify', onDone: 'done' } },
      done: { type: 'final' },
    },
    output: () => ({ ok: true }),
  }),
});

const demos = createDemoWorkflows({ speed: 1 });
const registry = createWorkflowRegistry([...Object.values(demos), chargeThenNotify]);

/** Fails a runner invocation as soon as a step asks to crash, like a Lambda whose process died. */
const crashingRunner =
  (handler: RunnerHandler): RunnerHandler =>
  (event, context) =>
    new Promise((resolve, reject) => {
      crashNow = () => reject(new Error('Runtime exited: the runner crashed mid-step'));
      handler(event, context).then(resolve, reject);
    });

let harness: StackHarness;
beforeAll(async () => {
  harness = await startStackHarness({
    registry,
    functionTimeoutMs: 3_000,
    wrapRunnerHandler: crashingRunner,
  });
});
afterAll(async () => {
  await harness?.stop();
});

const ofType = (log: readonly StoredEvent[], type: string) => log.filter((e) => e.type === type);

describe('durability across invocations', () => {
  it('a step that outlives the time budget is suspended, resumed from its checkpoint, and ends as an uninterrupted run', async () => {
    // Given a bulk operation that needs about 3 s of work, in invocations of 3 s (1 s kept back)
    const payload = { items: Array.from({ length: 300 }, (_, i) => i), batch_size: 10 };
    const client = await harness.connect('acme');
    // When it runs on the stack
    client.send({ action: 'bulk_operation', id: 'bulk-long', payload });
    const complete = await client.waitFor(
      (f) => f.type === 'complete' && f.request_id === 'bulk-long',
      60_000,
    );
    const log = await harness.log('acme', 'bulk-long');

    // Then the log shows the suspension and the resumption from the checkpoint
    expect(ofType(log, 'request.suspended').length).toBeGreaterThanOrEqual(1);
    const starts = ofType(log, 'step.started').map(
      (e) => e.data as { resumed?: boolean; attempt: number },
    );
    expect(starts.some((s) => s.resumed)).toBe(true);
    expect(starts.every((s) => s.attempt === 1)).toBe(true);
    expect(ofType(log, 'request.completed')).toHaveLength(1);

    // And the result is what one uninterrupted run produces (apart from where it resumed)
    const store = new InMemoryEventStore();
    const fast = createDemoWorkflows({ speed: 100 }).bulk_operation;
    await acceptRequest(store, {
      workflow: fast,
      tenantId: 'acme',
      userId: 'u',
      requestId: 'x',
      input: payload,
      now: 0,
    });
    const uninterrupted = await runRequest({
      store,
      registry: createWorkflowRegistry([fast]),
      requestKey: toRequestKey('acme', 'x'),
      remainingTimeMs: () => 600_000,
      clock: () => 0,
      deadLetterSink: { send: async () => undefined },
    });
    if (uninterrupted.kind !== 'completed')
      throw new Error(`uninterrupted run ended ${uninterrupted.kind}`);
    const { resumed_from, ...result } = (complete as { result: { resumed_from?: number } }).result;
    expect(resumed_from).toBeGreaterThan(0);
    expect(result).toEqual(uninterrupted.output);
  });

  it("a runner killed after a step's side effect is taken over and still ends once, never re-running a completed step", async () => {
    // Given a request whose first charge crashes the processor right after charging
    const requestKey = toRequestKey('acme', 'pay-1');
    crashAfterSideEffect.add(requestKey);
    const client = await harness.connect('acme');
    // When it runs, crashes, and the mapping redelivers (the lease of the dead run expires first)
    client.send({ action: 'charge_then_notify', id: 'pay-1', payload: { amount: 42 } });
    await client.waitFor((f) => f.type === 'complete' && f.request_id === 'pay-1', 60_000);
    const log = await harness.log('acme', 'pay-1');

    // Then there is exactly one terminal event
    expect(
      log.filter((e) =>
        ['request.completed', 'request.failed', 'request.cancelled'].includes(e.type),
      ),
    ).toHaveLength(1);
    // The crashed charge was taken over (at-least-once before its outcome was stored) …
    const chargeStarts = log.filter(
      (e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === 'charge',
    );
    expect(chargeStarts.length).toBe(2);
    expect(charges.get(requestKey)).toBe(2);
    // … and no step started again once it had completed
    for (const stepId of ['charge', 'notify']) {
      const completedAt = log.findIndex(
        (e) => e.type === 'step.completed' && (e.data as { stepId: string }).stepId === stepId,
      );
      expect(completedAt).toBeGreaterThan(-1);
      const restarted = log
        .slice(completedAt)
        .some((e) => e.type === 'step.started' && (e.data as { stepId: string }).stepId === stepId);
      expect(restarted).toBe(false);
    }
  });
});
