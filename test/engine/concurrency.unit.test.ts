import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  cancelRequest,
  createWorkflowRegistry,
  defineWorkflow,
  EndedReleases,
  runRequest,
  type SlotStore,
  signalRequest,
  step,
  type Workflow,
} from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { toRequestKey } from '../../src/events/requestKey';
import { InMemorySlotStore } from '../../src/flowControl/memory/inMemorySlotStore';
import { foldRequestView } from '../../src/projections/requestView';
import { statusData } from '../../src/router/statusData';
import { countedWorkflow, RunningSteps } from './support/countedWorkflow';
import { expectFairShare } from './support/fairShare';
import { CrashingStore, SimulatedCrash } from './support/faults';
import { fakeClock } from './support/harness';
import { startProcessors } from './support/processors';

describe('concurrency per key', () => {
  it('with a limit of 2 per tenant, A’s 10 runs never have more than 2 running, B’s start at once, and all 12 complete (two processors racing)', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 2, key: 'tenant' })]);
    const store = new InMemoryEventStore();
    const processors = startProcessors({
      store,
      registry,
      flowControl: { slots: new InMemorySlotStore() },
      clock: fakeClock(),
      duplicateDeliveries: true,
    });
    for (let n = 1; n <= 10; n++)
      await processors.submit('tenant-a', 'counted_job', { ms: 15 }, `a${n}`);
    for (let n = 1; n <= 2; n++)
      await processors.submit('tenant-b', 'counted_job', { ms: 15 }, `b${n}`);
    await processors.drain();

    expect(probe.most('tenant-b')).toBe(2);
    await expectFairShare(store, registry, probe);
  });

  it('queued runs say where they stand, and start in the order they were accepted', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const clock = fakeClock();
    const processors = startProcessors({
      store,
      registry,
      flowControl: { slots: new InMemorySlotStore() },
      clock,
      processors: 1,
    });
    for (let n = 1; n <= 4; n++) await processors.submit('acme', 'counted_job', { ms: 1 }, `r${n}`);
    // Runs one at a time, in submission order: r1 holds the slot while r2–r4 queue.
    await processors.drain();
    const queuedAt = async (id: string) =>
      (await store.read(toRequestKey('acme', id)))
        .filter((event) => event.type === 'request.queued')
        .map((event) => (event.data as { position: number }).position);
    expect(await queuedAt('r1')).toEqual([]);
    expect((await queuedAt('r2'))[0]).toBe(0);
    expect((await queuedAt('r4'))[0]).toBe(2);
    const order = probe.started.filter((_, i) => i % 2 === 0);
    expect(order).toEqual(['acme/r1', 'acme/r2', 'acme/r3', 'acme/r4']);
  });

  it('a queued run’s status is QUEUED with its place in line', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const slots = new InMemorySlotStore();
    const clock = fakeClock();
    const deps = runDeps(store, registry, clock, { slots });
    await submit(store, registry, clock, 'counted_job', 'r1', { ms: 50 });
    await submit(store, registry, clock, 'counted_job', 'r2', { ms: 1 });
    await submit(store, registry, clock, 'counted_job', 'r3', { ms: 1 });
    const first = runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') });
    while (probe.started.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const id of ['r2', 'r3']) {
      const outcome = await runRequest({ ...deps, requestKey: toRequestKey('acme', id) });
      expect(outcome.kind).toBe('queued');
    }
    const view = foldRequestView(await store.read(toRequestKey('acme', 'r3')));
    expect(view && statusData(view)).toMatchObject({ status: 'QUEUED', queue_position: 1 });
    expect(await first).toMatchObject({ kind: 'completed', flow: { wake: ['acme#r2'] } });
  });

  it('a request cancelled mid-step keeps its slot until the runner running that step stops', async () => {
    // Prepare: r1's step runs under limit 1; r2 waits behind it
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const slots = new InMemorySlotStore();
    const clock = fakeClock();
    const deps = runDeps(store, registry, clock, { slots });
    await submit(store, registry, clock, 'counted_job', 'r1', { ms: 50 });
    await submit(store, registry, clock, 'counted_job', 'r2', { ms: 1 });
    const first = runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') });
    while (probe.started.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // Act: r1 is cancelled while its step runs, and the stream wakes it
    await cancelRequest(store, registry, toRequestKey('acme', 'r1'), who(clock));
    const woken = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') });
    // Assess: the woken run gives nothing back, so r2 still waits beside r1's running step
    expect(woken).toMatchObject({ kind: 'nothing_to_do' });
    expect(woken).not.toHaveProperty('flow.wake');
    const second = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') });
    expect(second).toMatchObject({ kind: 'queued' });
    // The runner that ran r1's step gives the slot back when it stops, and wakes r2
    expect(await first).toMatchObject({ flow: { wake: ['acme#r2'] } });
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') })).toMatchObject({
      kind: 'completed',
    });
    expect(probe.most('acme')).toBe(1);
  });

  it('a run that waits for a signal gives its slot back; the next in line starts', async () => {
    const registry = createWorkflowRegistry([signalledWorkflow()]);
    const store = new InMemoryEventStore();
    const slots = new InMemorySlotStore();
    const clock = fakeClock();
    const deps = runDeps(store, registry, clock, { slots });
    for (const id of ['r1', 'r2']) await submit(store, registry, clock, 'wait_for_go', id);
    const first = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') });
    expect(first).toMatchObject({ kind: 'waiting_for_signal' });
    const second = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') });
    expect(second).toMatchObject({ kind: 'waiting_for_signal' });
    await signalRequest(store, registry, toRequestKey('acme', 'r1'), { type: 'go' }, who(clock));
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') })).toMatchObject({
      kind: 'completed',
    });
  });

  it('a crashed holder’s slot frees once its holding lapses', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const slots = new InMemorySlotStore();
    const clock = fakeClock();
    await submit(store, registry, clock, 'counted_job', 'r1', { ms: 1 });
    await submit(store, registry, clock, 'counted_job', 'r2', { ms: 1 });
    const crashing = new CrashingStore(store, 'after_step_started');
    await expect(
      runRequest({
        ...runDeps(crashing, registry, clock, { slots }),
        requestKey: toRequestKey('acme', 'r1'),
      }),
    ).rejects.toThrow(SimulatedCrash);
    const deps = runDeps(store, registry, clock, { slots });
    const queued = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') });
    expect(queued).toMatchObject({ kind: 'queued', position: 0 });
    // Past the crashed run's budget and the grace after it: the holding lapses.
    clock.advance(60_000 + 60_000);
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') })).toMatchObject({
      kind: 'completed',
    });
  });

  it('a request that ended gives its slot back when woken again, after a release that failed', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const inner = new InMemorySlotStore();
    let failNextRelease = true;
    const slots: SlotStore = {
      acquire: (claim) => inner.acquire(claim),
      release: async (release) => {
        if (failNextRelease) {
          failNextRelease = false;
          throw new Error('the process died before the release');
        }
        return inner.release(release);
      },
    };
    const clock = fakeClock();
    const deps = runDeps(store, registry, clock, { slots });
    await submit(store, registry, clock, 'counted_job', 'r1', { ms: 1 });
    await submit(store, registry, clock, 'counted_job', 'r2', { ms: 1 });
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') })).toMatchObject({
      kind: 'completed',
    });
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') })).toMatchObject({
      kind: 'queued',
    });
    // The stream wakes the ended request again (request.completed): it releases, and wakes r2.
    const again = await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r1') });
    expect(again).toMatchObject({ kind: 'nothing_to_do', flow: { wake: ['acme#r2'] } });
    expect(await runRequest({ ...deps, requestKey: toRequestKey('acme', 'r2') })).toMatchObject({
      kind: 'completed',
      flow: { queueWaitMs: expect.any(Number) },
    });
  });

  it('a process that gave an ended request’s slot back does not give it back again on each later wake-up; another process does', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 1 })]);
    const store = new InMemoryEventStore();
    const inner = new InMemorySlotStore();
    let releases = 0;
    const slots: SlotStore = {
      acquire: (claim) => inner.acquire(claim),
      release: (release) => {
        releases += 1;
        return inner.release(release);
      },
    };
    const clock = fakeClock();
    const thisProcess = { slots, endedReleases: new EndedReleases() };
    await submit(store, registry, clock, 'counted_job', 'r1', { ms: 1 });
    const key = toRequestKey('acme', 'r1');
    const base = runDeps(store, registry, clock, { slots });
    expect(await runRequest({ ...base, flowControl: thisProcess, requestKey: key })).toMatchObject({
      kind: 'completed',
    });
    expect(releases).toBe(1);
    await runRequest({ ...base, flowControl: thisProcess, requestKey: key });
    await runRequest({ ...base, flowControl: thisProcess, requestKey: key });
    expect(releases).toBe(1);
    const anotherProcess = { slots, endedReleases: new EndedReleases() };
    await runRequest({ ...base, flowControl: anotherProcess, requestKey: key });
    expect(releases).toBe(2);
  });

  it('the default limit per tenant holds every workflow without its own, per workflow', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe)]);
    const store = new InMemoryEventStore();
    const processors = startProcessors({
      store,
      registry,
      flowControl: { slots: new InMemorySlotStore(), defaultConcurrencyPerTenant: 3 },
      clock: fakeClock(),
    });
    for (let n = 1; n <= 8; n++)
      await processors.submit('acme', 'counted_job', { ms: 10 }, `r${n}`);
    await processors.drain();
    expect(probe.most('acme')).toBe(3);
  });

  it('a key of the input limits each key apart, within the tenant', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([
      countedWorkflow(probe, { limit: 1, key: (input) => input.account ?? 'none' }),
    ]);
    const store = new InMemoryEventStore();
    const slots = new InMemorySlotStore();
    const clock = fakeClock();
    const deps = runDeps(store, registry, clock, { slots });
    await submit(store, registry, clock, 'counted_job', 'x1', { ms: 1, account: 'x' });
    await submit(store, registry, clock, 'counted_job', 'y1', { ms: 1, account: 'y' });
    const [x, y] = await Promise.all(
      ['x1', 'y1'].map((id) => runRequest({ ...deps, requestKey: toRequestKey('acme', id) })),
    );
    expect([x?.kind, y?.kind]).toEqual(['completed', 'completed']);
    expect(inner(slots)).toEqual([]);
  });

  it('runs with no slot store, or no limit, are not held back', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe)]);
    const store = new InMemoryEventStore();
    const processors = startProcessors({ store, registry, clock: fakeClock() });
    for (let n = 1; n <= 5; n++)
      await processors.submit('acme', 'counted_job', { ms: 20 }, `r${n}`);
    await processors.drain();
    expect(probe.most('acme')).toBeGreaterThan(1);
  });
});

function inner(slots: InMemorySlotStore): string[] {
  return ['acme#counted_job#x', 'acme#counted_job#y'].flatMap((key) => slots.holders(key));
}

function runDeps(
  store: InMemoryEventStore | CrashingStore,
  registry: ReturnType<typeof createWorkflowRegistry>,
  clock: () => number,
  flowControl: { slots: SlotStore },
) {
  return {
    store,
    registry,
    clock,
    remainingTimeMs: () => 60_000,
    deadLetterSink: { send: async () => undefined },
    flowControl,
  };
}

function who(clock: () => number) {
  return { tenantId: 'acme', userId: 'ann', now: clock() };
}

async function submit(
  store: InMemoryEventStore,
  registry: ReturnType<typeof createWorkflowRegistry>,
  clock: () => number,
  action: string,
  requestId: string,
  input: unknown = {},
) {
  const { acceptRequest } = await import('../../src/engine');
  await acceptRequest(store, {
    workflow: registry.require(action),
    tenantId: 'acme',
    userId: 'ann',
    requestId,
    input,
    now: clock(),
  });
}

/** One step, then a wait for `go`, then another step; limit 1 per tenant. */
function signalledWorkflow(): Workflow {
  const noop = step(async () => 'ok');
  return defineWorkflow({
    action: 'wait_for_go',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({}),
    concurrency: { limit: 1 },
    machine: setup({
      types: {} as { events: { type: 'go' } },
      actors: { before: noop, after: noop },
    }).createMachine({
      id: 'wait_for_go',
      initial: 'before',
      states: {
        before: { invoke: { id: 'before', src: 'before', onDone: 'waiting' } },
        waiting: { on: { go: 'after' } },
        after: { invoke: { id: 'after', src: 'after', onDone: 'done' } },
        done: { type: 'final' },
      },
    }),
  }) as Workflow;
}
