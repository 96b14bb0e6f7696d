import fc from 'fast-check';
import {
  cancelRequest,
  createWorkflowRegistry,
  EventNotAcceptedError,
  RequestFinishedError,
  type RunOutcome,
  signalRequest,
  step,
  type Workflow,
  type WorkflowRegistry,
} from '../../../src/engine';
import { stepFunctionOf } from '../../../src/engine/step';
import type { EventStore } from '../../../src/events/eventStore';
import { InMemorySlotStore } from '../../../src/flowControl/memory/inMemorySlotStore';
import { createDemoWorkflows } from '../../../src/workflows';
import { createApprovalWorkflow } from './approvalWorkflow';
import { CrashingStore, type CrashPoint, SimulatedCrash, withStepHook } from './faults';
import { createHarness, type Harness } from './harness';
import { checkInvariants, isSettled } from './invariants';

/**
 * The model-based test of the request lifecycle (DESIGN §4): random
 * schedules of submit, run (ample or tight budget), crashes at both points,
 * concurrent runs (of one request, and of several racing for concurrency
 * slots), clock jumps (retries come due, leases and slot holdings lapse),
 * cancel and external events, over the flaky, bulk and approval workflows,
 * every one under a concurrency limit of {@link MODEL_CONCURRENCY} per
 * tenant. After every command the invariants are checked on every log, and
 * no workflow ever has more requests running a step than its limit; at the
 * end every request, queued ones included, must settle once runs may finish.
 */

/** The concurrency limit per tenant of every workflow in the model. */
export const MODEL_CONCURRENCY = 1;

interface Real {
  readonly harness: Harness;
  /** Concurrent executions per request/step, to catch two runners at once (invariant 4). */
  readonly running: Map<string, number>;
  /** Requests running a step, per workflow (its concurrency key: the model has one tenant). */
  readonly slots: RunningRequests;
}

/**
 * Which requests run a step, per workflow, over the whole time each step
 * runs; notes every moment a workflow has more than its limit (no run
 * starts past its limit). A note, not a throw: a step's throw would be
 * recorded as the step's failure.
 */
class RunningRequests {
  readonly #running = new Map<string, Map<string, number>>();
  /** Every time a limit was passed. */
  readonly violations: string[] = [];
  /** While set, a step of this request waits for `release` before it runs. */
  paused: { readonly requestId: string; readonly release: Promise<void> } | undefined;
  /** Called when the paused request enters a step. */
  onPausedEntered: (() => void) | undefined;

  enter(action: string, requestId: string): void {
    const requests = this.#running.get(action) ?? new Map<string, number>();
    requests.set(requestId, (requests.get(requestId) ?? 0) + 1);
    this.#running.set(action, requests);
    if (requests.size > MODEL_CONCURRENCY) {
      this.violations.push(
        `${action} runs steps of ${[...requests.keys()].join(', ')} at once (limit ${MODEL_CONCURRENCY})`,
      );
    }
  }

  leave(action: string, requestId: string): void {
    const requests = this.#running.get(action);
    const left = (requests?.get(requestId) ?? 1) - 1;
    if (left > 0) requests?.set(requestId, left);
    else requests?.delete(requestId);
  }
}

/** Every step of `workflow` counted in `slots` from its first line to its last. */
function countedPerWorkflow(workflow: Workflow, slots: RunningRequests): Workflow {
  const actors = (workflow.machine.implementations as { actors: Record<string, unknown> }).actors;
  const counted: Record<string, unknown> = {};
  for (const [src, logic] of Object.entries(actors)) {
    const original = stepFunctionOf(logic);
    if (!original) continue;
    counted[src] = step(async (context) => {
      slots.enter(workflow.action, context.requestId);
      try {
        const paused = slots.paused;
        if (paused?.requestId === context.requestId) {
          slots.onPausedEntered?.();
          await paused.release;
        }
        return await original(context);
      } finally {
        slots.leave(workflow.action, context.requestId);
      }
    });
  }
  return { ...workflow, machine: workflow.machine.provide({ actors: counted }) };
}

interface Model {
  readonly ids: string[];
}

/** Step functions wrapped to count concurrent executions. */
function instrumented(workflow: Workflow, running: Map<string, number>): Workflow {
  let wrapped = workflow;
  const actors = (workflow.machine.implementations as { actors: Record<string, unknown> }).actors;
  for (const src of Object.keys(actors)) {
    wrapped = withStepHook(wrapped, src, async ({ tenantId, requestId, stepId, signal }) => {
      const key = `${tenantId}#${requestId}/${stepId}`;
      const now = (running.get(key) ?? 0) + 1;
      if (now > 1) throw new Error(`Invariant 4 broken: ${key} runs ${now} times at once`);
      running.set(key, now);
      const done = (): void => void running.set(key, (running.get(key) ?? 1) - 1);
      // Released when the attempt's signal aborts or the step settles (next macrotask at the latest).
      signal.addEventListener('abort', done, { once: true });
      setTimeout(() => {
        if (!signal.aborted) done();
      }, 0);
    });
  }
  return wrapped;
}

function registryFor(running: Map<string, number>, slots: RunningRequests): WorkflowRegistry {
  const demos = createDemoWorkflows({ speed: 400 });
  return createWorkflowRegistry(
    [demos.flaky_step, demos.bulk_operation, createApprovalWorkflow() as Workflow].map((w) =>
      instrumented(countedPerWorkflow(w, slots), running),
    ),
  );
}

async function checkAll(model: Model, real: Real, settled = false): Promise<void> {
  if (real.slots.violations.length > 0) {
    throw new Error(`Concurrency limit broken: ${real.slots.violations.join('; ')}`);
  }
  for (const id of model.ids) {
    checkInvariants(
      real.harness.registry,
      await real.harness.log(id),
      real.harness.deadLetters,
      settled,
    );
  }
}

const submissions = fc.oneof(
  fc.record({
    action: fc.constant('flaky_step'),
    input: fc.record(
      { failures: fc.integer({ min: 0, max: 4 }), fatal: fc.boolean() },
      { requiredKeys: ['failures'] },
    ),
  }),
  fc.record({
    action: fc.constant('bulk_operation'),
    input: fc.record({
      items: fc.array(fc.nat(99), { minLength: 1, maxLength: 40 }),
      batch_size: fc.integer({ min: 2, max: 10 }),
    }),
  }),
  fc.record({
    action: fc.constant('approval'),
    input: fc.record({ amount: fc.integer({ min: 1, max: 500 }) }),
  }),
);

class Submit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly request: { action: string; input: unknown }) {}
  check = (model: Readonly<Model>) => model.ids.length < 4;
  async run(model: Model, real: Real): Promise<void> {
    const id = `r${model.ids.length + 1}`;
    const result = await real.harness.submit(this.request.action, this.request.input, id);
    if (!result.created) throw new Error('a new id was not created');
    const again = await real.harness.submit(this.request.action, this.request.input, id);
    if (again.created) throw new Error('a repeated id started a second request');
    model.ids.push(id);
    await checkAll(model, real);
  }
  toString = () => `submit(${JSON.stringify(this.request)})`;
}

const pick = (model: Readonly<Model>, index: number): string | undefined =>
  model.ids[index % Math.max(1, model.ids.length)];

class Run implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly budget: 'ample' | 'tight',
    readonly crash: CrashPoint,
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const id = pick(model, this.index) as string;
    const store: EventStore =
      this.crash === 'none'
        ? real.harness.store
        : new CrashingStore(real.harness.store, this.crash);
    try {
      await real.harness.run(id, { store, remainingMs: this.budget === 'tight' ? 40 : 60_000 });
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
    }
    await checkAll(model, real);
  }
  toString = () => `run(#${this.index}, ${this.budget}, crash: ${this.crash})`;
}

class ConcurrentRuns implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const id = pick(model, this.index) as string;
    // Three runners race for the same request (a duplicate and a reordered
    // delivery); the instrumented steps and the log checks catch any overlap.
    const outcomes: RunOutcome[] = await Promise.all([
      real.harness.run(id),
      real.harness.run(id),
      real.harness.run(id),
    ]);
    if (outcomes.filter((o) => o.kind === 'completed').length > 1)
      throw new Error('two runners completed one request');
    await checkAll(model, real);
  }
  toString = () => `concurrentRuns(#${this.index})`;
}

/** Several requests run at once: they race for their workflow's concurrency slot. */
class RaceForSlots implements fc.AsyncCommand<Model, Real> {
  constructor(readonly indices: readonly number[]) {}
  check = (model: Readonly<Model>) => model.ids.length > 1;
  async run(model: Model, real: Real): Promise<void> {
    const ids = [...new Set(this.indices.map((index) => pick(model, index) as string))];
    await Promise.all(ids.map((id) => real.harness.run(id)));
    await checkAll(model, real);
  }
  toString = () => `raceForSlots(${this.indices.map((i) => `#${i}`).join(', ')})`;
}

/**
 * One request's step is held mid-run while others run: those of the same
 * workflow must queue (its limit is taken), then settle once it goes on.
 */
class RaceBehindAHolder implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly holder: number,
    readonly others: readonly number[],
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 1;
  async run(model: Model, real: Real): Promise<void> {
    const holder = pick(model, this.holder) as string;
    const others = [...new Set(this.others.map((i) => pick(model, i) as string))].filter(
      (id) => id !== holder,
    );
    let release = (): void => undefined;
    const entered = new Promise<void>((resolve) => {
      real.slots.onPausedEntered = resolve;
    });
    real.slots.paused = { requestId: holder, release: new Promise((r) => (release = r)) };
    const held = real.harness.run(holder);
    // The holder either enters a step (and holds its slot there) or its run ends without one.
    await Promise.race([entered, held.catch(() => undefined)]);
    try {
      await Promise.all(others.map((id) => real.harness.run(id)));
    } finally {
      release();
      real.slots.paused = undefined;
      real.slots.onPausedEntered = undefined;
      await held;
    }
    await checkAll(model, real);
  }
  toString = () =>
    `raceBehindAHolder(#${this.holder}, ${this.others.map((i) => `#${i}`).join(', ')})`;
}

class AdvanceClock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: Model, real: Real): Promise<void> {
    real.harness.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const id = pick(model, this.index) as string;
    const h = real.harness;
    try {
      await cancelRequest(h.store, h.registry, h.key(id), {
        tenantId: h.tenantId,
        userId: h.userId,
        now: h.clock(),
      });
    } catch (error) {
      if (!(error instanceof RequestFinishedError)) throw error;
    }
    await checkAll(model, real);
  }
  toString = () => `cancel(#${this.index})`;
}

class Signal implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly index: number,
    readonly type: 'approve' | 'reject' | 'bogus',
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const id = pick(model, this.index) as string;
    const h = real.harness;
    const before = (await h.log(id)).length;
    try {
      await signalRequest(
        h.store,
        h.registry,
        h.key(id),
        { type: this.type, by: 'boss' },
        {
          tenantId: h.tenantId,
          userId: h.userId,
          now: h.clock(),
        },
      );
      if (this.type === 'bogus') throw new Error('an unknown event was accepted');
    } catch (error) {
      if (!(error instanceof EventNotAcceptedError || error instanceof RequestFinishedError))
        throw error;
      if ((await h.log(id)).length !== before) throw new Error('a rejected event was stored');
    }
    await checkAll(model, real);
  }
  toString = () => `signal(#${this.index}, ${this.type})`;
}

const runs = fc
  .tuple(
    fc.nat(7),
    fc.constantFrom('ample' as const, 'ample' as const, 'tight' as const),
    fc.constantFrom<CrashPoint>(
      'none',
      'none',
      'none',
      'after_step_started',
      'before_step_outcome',
    ),
  )
  .map(([index, budget, crash]) => new Run(index, budget, crash));

const racesForSlots = fc
  .array(fc.nat(7), { minLength: 2, maxLength: 4 })
  .map((indices) => new RaceForSlots(indices));

const racesBehindAHolder = fc
  .tuple(fc.nat(7), fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }))
  .map(([holder, others]) => new RaceBehindAHolder(holder, others));

const clockJumps = fc.constantFrom(50, 2_000, 61_000).map((ms) => new AdvanceClock(ms));

/** The command arbitraries (every run under the model's concurrency limit). */
export const commands = [
  submissions.map((request) => new Submit(request)),
  runs,
  fc.nat(7).map((index) => new ConcurrentRuns(index)),
  clockJumps,
  fc.nat(7).map((index) => new Cancel(index)),
  fc
    .tuple(fc.nat(7), fc.constantFrom('approve' as const, 'reject' as const, 'bogus' as const))
    .map(([index, type]) => new Signal(index, type)),
];

/**
 * The commands of the concurrency property: more submissions (so requests
 * of one workflow meet), runs of several requests racing for their slot,
 * and runs behind a request held mid-step (those of its workflow must
 * queue), besides crashes, clock jumps (holdings lapse) and cancels (a
 * queued request leaves the line).
 */
export const concurrencyCommands = [
  submissions.map((request) => new Submit(request)),
  submissions.map((request) => new Submit(request)),
  runs,
  racesForSlots,
  racesBehindAHolder,
  racesBehindAHolder,
  clockJumps,
  fc.nat(7).map((index) => new Cancel(index)),
];

/**
 * One model run: applies the commands, then lets every request finish
 * (approving anything that waits) and checks they all settled.
 */
export async function runModel(
  store: EventStore,
  cmds: Iterable<fc.AsyncCommand<Model, Real>>,
): Promise<void> {
  const running = new Map<string, number>();
  const slots = new RunningRequests();
  const harness = createHarness(registryFor(running, slots), store, {
    slots: new InMemorySlotStore(),
    defaultConcurrencyPerTenant: MODEL_CONCURRENCY,
  });
  const model: Model = { ids: [] };
  const real: Real = { harness, running, slots };
  await fc.asyncModelRun(() => ({ model, real }), cmds);
  for (const id of model.ids) {
    for (let round = 0; round < 5 && !isSettled(harness.registry, await harness.log(id)); round++) {
      harness.clock.advance(61_000);
      const outcomes = await harness.settle(id);
      if (outcomes.at(-1)?.kind === 'waiting_for_signal') {
        await signalRequest(
          harness.store,
          harness.registry,
          harness.key(id),
          { type: 'approve' },
          {
            tenantId: harness.tenantId,
            userId: harness.userId,
            now: harness.clock(),
          },
        );
      }
    }
    if (!isSettled(harness.registry, await harness.log(id))) {
      throw new Error(`Invariant 7 broken: ${id} did not settle`);
    }
  }
  await checkAll(model, real, true);
}
