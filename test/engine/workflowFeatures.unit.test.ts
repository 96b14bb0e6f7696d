import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  acceptRequest,
  createWorkflowRegistry,
  defineWorkflow,
  map,
  RequestFinishedError,
  runRequest,
  signalRequest,
  step,
  type Workflow,
} from '../../src/engine';
import type { NewEvent, StoredEvent } from '../../src/events/event';
import type { EventStore, ReadOptions } from '../../src/events/eventStore';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { toRequestKey } from '../../src/events/requestKey';
import { SimulatedCrash } from './support/faults';
import { createHarness } from './support/harness';
import { checkInvariants } from './support/invariants';

const DAY = 24 * 60 * 60 * 1000;

/** Crashes the runner once, before or after storing the first append that contains `type`. */
class CrashOnce implements EventStore {
  #armed = true;
  constructor(
    readonly inner: EventStore,
    readonly type: string,
    readonly when: 'before' | 'after',
  ) {}
  async append(key: string, version: number, events: readonly NewEvent[]): Promise<number> {
    const hit = this.#armed && events.some((event) => event.type === this.type);
    if (hit && this.when === 'before') {
      this.#armed = false;
      throw new SimulatedCrash(`crashed before storing ${this.type}`);
    }
    const stored = await this.inner.append(key, version, events);
    if (hit) {
      this.#armed = false;
      throw new SimulatedCrash(`crashed after storing ${this.type}`);
    }
    return stored;
  }
  read(key: string, options?: ReadOptions): Promise<StoredEvent[]> {
    return this.inner.read(key, options);
  }
}

/** An expense that waits 3 days for approval, then expires. */
const approvalWithTimeout = defineWorkflow({
  action: 'approve_or_expire',
  version: 1,
  estimatedDuration: 60_000,
  input: z.object({ amount: z.number() }),
  machine: setup({
    types: {} as { events: { type: 'approve' } },
    delays: { P3D: 3 * DAY },
  }).createMachine({
    id: 'approve_or_expire',
    initial: 'waiting',
    states: {
      waiting: { on: { approve: 'approved' }, after: { P3D: 'expired' } },
      approved: { type: 'final', output: { outcome: 'approved' } },
      expired: { type: 'final', output: { outcome: 'expired' } },
    },
    output: ({ event }) => (event as { output?: unknown }).output,
  }),
}) as Workflow;

function harnessFor(workflows: Workflow[], store?: EventStore) {
  return createHarness(createWorkflowRegistry(workflows), store ?? new InMemoryEventStore());
}

async function outputOf(harness: ReturnType<typeof harnessFor>, id = 'r1') {
  const log = await harness.log(id);
  return (log.find((event) => event.type === 'request.completed')?.data as { output: unknown })
    ?.output;
}

describe('durable timers', () => {
  it('a 3-day wait ends the run, is woken at its fire time, and fires once', async () => {
    const h = harnessFor([approvalWithTimeout]);
    await h.submit('approve_or_expire', { amount: 5 });
    const accepted = (await h.log())[0] as StoredEvent;
    const first = await h.run();
    expect(first).toMatchObject({ kind: 'timer_scheduled', fireAt: accepted.at + 3 * DAY });
    expect(await h.run()).toMatchObject({ kind: 'timer_scheduled' });
    h.clock.set(accepted.at + 3 * DAY);
    expect(await h.run()).toMatchObject({ kind: 'completed', output: { outcome: 'expired' } });
    expect((await h.types()).filter((type) => type === 'timer.fired')).toHaveLength(1);
    expect(await h.run()).toMatchObject({ kind: 'nothing_to_do', reason: 'finished' });
  });

  for (const when of ['before', 'after'] as const) {
    it(`fires once when the runner crashes ${when} storing timer.fired`, async () => {
      const inner = new InMemoryEventStore();
      const h = harnessFor([approvalWithTimeout], inner);
      await h.submit('approve_or_expire', { amount: 5 });
      const { fireAt } = (await h.run()) as { fireAt: number };
      h.clock.set(fireAt);
      const crashing = new CrashOnce(inner, 'timer.fired', when);
      await expect(h.run('r1', { store: crashing })).rejects.toThrow(SimulatedCrash);
      const outcomes = await h.settle();
      expect(outcomes.at(-1)).toMatchObject({ kind: 'completed', output: { outcome: 'expired' } });
      expect((await h.types()).filter((type) => type === 'timer.fired')).toHaveLength(1);
      checkInvariants(h.registry, await h.log(), [], true);
    });
  }

  it('a signal that wins against its timeout cancels the timer', async () => {
    const h = harnessFor([approvalWithTimeout]);
    await h.submit('approve_or_expire', { amount: 5 });
    await h.run();
    await signalRequest(h.store, h.registry, h.key('r1'), { type: 'approve' }, context(h));
    expect(await h.run()).toMatchObject({ kind: 'completed', output: { outcome: 'approved' } });
    h.clock.advance(4 * DAY);
    expect(await h.run()).toMatchObject({ kind: 'nothing_to_do', reason: 'finished' });
    expect(await h.types()).not.toContain('timer.fired');
  });

  it('a signal that loses against its timeout is refused (the request ended) and stores nothing', async () => {
    const h = harnessFor([approvalWithTimeout]);
    await h.submit('approve_or_expire', { amount: 5 });
    const { fireAt } = (await h.run()) as { fireAt: number };
    h.clock.set(fireAt);
    expect(await outputOf(h)).toBeUndefined();
    await h.run();
    const before = (await h.log()).length;
    await expect(
      signalRequest(h.store, h.registry, h.key('r1'), { type: 'approve' }, context(h)),
    ).rejects.toThrow(RequestFinishedError);
    expect(await h.log()).toHaveLength(before);
    expect(await outputOf(h)).toEqual({ outcome: 'expired' });
  });

  it('waits in-process for a sub-second delay when allowed, never firing early', async () => {
    const quick = defineWorkflow({
      action: 'quick_timer',
      version: 1,
      estimatedDuration: 10_000,
      input: z.object({}),
      machine: setup({}).createMachine({
        id: 'quick_timer',
        initial: 'pausing',
        states: { pausing: { after: { 120: 'done' } }, done: { type: 'final' } },
      }),
    }) as Workflow;
    const store = new InMemoryEventStore();
    const registry = createWorkflowRegistry([quick]);
    const key = toRequestKey('acme', 'q1');
    const who = { tenantId: 'acme', userId: 'ann', requestId: 'q1' };
    await acceptRequest(store, { workflow: quick, ...who, input: {}, now: Date.now() });
    const outcome = await runRequest({
      store,
      registry,
      requestKey: key,
      clock: Date.now,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async () => undefined },
      shortWaitMaxMs: 1_000,
    });
    // One run: the 120 ms wait happened in-process instead of a (whole-second) queued wake-up.
    expect(outcome.kind).toBe('completed');
    const [accepted, ...rest] = await store.read(key);
    const fired = rest.find((event) => event.type === 'timer.fired') as StoredEvent;
    expect(fired.at).toBeGreaterThanOrEqual((accepted as StoredEvent).at + 120);
  });
});

function context(h: ReturnType<typeof harnessFor>) {
  return { tenantId: h.tenantId, userId: h.userId, now: h.clock() };
}

/** Two steps that each wait until both have started: they finish only if run in parallel. */
function parallelWorkflow(started: Set<string>, options: { crashOnce?: Set<string> } = {}) {
  const branch = (name: string) =>
    step<string>(async ({ signal }) => {
      started.add(name);
      for (let i = 0; i < 200 && started.size < 2; i++) {
        signal.throwIfAborted();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (started.size < 2) throw new Error(`${name} ran alone: the steps are not parallel`);
      if (options.crashOnce?.delete(name)) throw new SimulatedCrash(`${name} crashed`);
      return `${name} done`;
    });
  return defineWorkflow({
    action: 'fan_out',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({}),
    retry: { maxAttempts: 3, initialDelayMs: 10, backoffRate: 2, maxDelayMs: 100 },
    machine: setup({
      types: {} as { context: { results: string[] } },
      actors: { left: branch('left'), right: branch('right') },
    }).createMachine({
      id: 'fan_out',
      type: 'parallel',
      context: { results: [] },
      states: {
        a: {
          initial: 'run',
          states: {
            run: { invoke: { id: 'left', src: 'left', onDone: 'ok' } },
            ok: { type: 'final' },
          },
        },
        b: {
          initial: 'run',
          states: {
            run: { invoke: { id: 'right', src: 'right', onDone: 'ok' } },
            ok: { type: 'final' },
          },
        },
      },
      output: () => ({ joined: true }),
    }),
  }) as Workflow;
}

describe('parallel steps', () => {
  it('runs the steps of a parallel state at once, each under its own lease, and joins', async () => {
    const started = new Set<string>();
    const h = harnessFor([parallelWorkflow(started)]);
    await h.submit('fan_out', {});
    const outcome = await h.run();
    expect(outcome).toMatchObject({ kind: 'completed', output: { joined: true }, stepsRun: 2 });
    const log = await h.log();
    const leases = log.filter((event) => event.type === 'step.started');
    expect(leases.map((event) => (event.data as { stepId: string }).stepId).sort()).toEqual([
      'left',
      'right',
    ]);
    // Both leases are taken in one append, before either step's outcome.
    const firstOutcome = log.findIndex((event) => event.type === 'step.completed');
    expect(log.findIndex((event) => event.type === 'step.started')).toBeLessThan(firstOutcome);
    expect(leases.every((event) => log.indexOf(event) < firstOutcome)).toBe(true);
    checkInvariants(h.registry, log, [], true);
  });

  it('resumes both branches after the runner crashes mid-way, never re-running a finished one', async () => {
    const started = new Set<string>();
    const inner = new InMemoryEventStore();
    const h = harnessFor([parallelWorkflow(started)], inner);
    await h.submit('fan_out', {});
    const crashing = new CrashOnce(inner, 'step.completed', 'before');
    await expect(h.run('r1', { store: crashing })).rejects.toThrow(SimulatedCrash);
    expect(await h.types()).not.toContain('step.completed');
    started.clear();
    const outcomes = await h.settle();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'completed', output: { joined: true } });
    const log = await h.log();
    const resumed = log.filter(
      (event) => event.type === 'step.started' && (event.data as { resumed?: boolean }).resumed,
    );
    expect(resumed).toHaveLength(2);
    expect(log.filter((event) => event.type === 'step.completed')).toHaveLength(2);
    checkInvariants(h.registry, log, [], true);
  });

  it('retries a failed branch while the other one keeps its result', async () => {
    const started = new Set<string>();
    const h = harnessFor([parallelWorkflow(started, { crashOnce: new Set(['right']) })]);
    await h.submit('fan_out', {});
    const outcomes = await h.settle();
    expect(outcomes.at(-1)).toMatchObject({ kind: 'completed' });
    const log = await h.log();
    const completedLeft = log.filter(
      (event) =>
        event.type === 'step.completed' && (event.data as { stepId: string }).stepId === 'left',
    );
    expect(completedLeft).toHaveLength(1);
    expect(log.filter((event) => event.type === 'step.failed')).toHaveLength(1);
  });
});

describe('map', () => {
  const mapWorkflow = defineWorkflow({
    action: 'square_all',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({ count: z.number() }),
    machine: setup({
      types: {} as { input: { count: number }; context: { squares?: number[] } },
      actors: {
        squareAll: map<number, number, { count: number }>({
          items: ({ input }) => Array.from({ length: input.count }, (_, i) => i),
          run: async (n) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            return n * n;
          },
          concurrency: 8,
          checkpointEvery: 250,
        }),
      },
    }).createMachine({
      id: 'square_all',
      initial: 'mapping',
      context: {},
      states: {
        mapping: {
          invoke: {
            id: 'squareAll',
            src: 'squareAll',
            onDone: { target: 'done', actions: assign({ squares: ({ event }) => event.output }) },
          },
        },
        done: { type: 'final' },
      },
      output: ({ context }) => context.squares,
    }),
  }) as Workflow;

  it('maps 10,000 items across several suspensions, with every output in order', async () => {
    const h = harnessFor([mapWorkflow]);
    await h.submit('square_all', { count: 10_000 });
    const outcomes = await h.settle('r1', { remainingMs: 120 });
    const suspensions = outcomes.filter((outcome) => outcome.kind === 'suspended');
    expect(suspensions.length).toBeGreaterThanOrEqual(2);
    const completed = outcomes.at(-1) as { kind: string; output: number[] };
    expect(completed.kind).toBe('completed');
    expect(completed.output).toHaveLength(10_000);
    expect(completed.output.every((value, i) => value === i * i)).toBe(true);
    const log = await h.log();
    expect(log.filter((event) => event.type === 'step.checkpointed').length).toBeGreaterThan(1);
    checkInvariants(h.registry, log, [], true);
  });
});
