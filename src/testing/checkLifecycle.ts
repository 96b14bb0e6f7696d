import fc from 'fast-check';
import type { ExternalEvent, RequestState, Workflow } from '../engine';
import type { StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import { InMemorySlotStore } from '../flowControl/memory/inMemorySlotStore';
import { foldRequestView } from '../projections/requestView';
import { concurrencyCommands } from './concurrencyCommands';
import { CRASH_POINTS, type CrashPoint } from './crashes';
import { InvariantViolation, NothingAcceptedError } from './errors';
import { formatHistory } from './history';
import {
  checkAttempts,
  checkCallsLeased,
  checkDeterministicReplay,
  checkFrames,
  checkLeases,
  checkLiveState,
  checkOneTerminal,
  checkProgress,
  checkSeq,
  checkView,
  comparableState,
  isSettled,
} from './invariants';
import { LeaseRecoveries } from './leaseRecoveries';
import {
  type LifecycleCommand,
  type LifecycleModel,
  type LifecycleReal,
  lifecycleCommands,
  type ModelRequest,
} from './lifecycleCommands';
import { signalCandidates } from './machineEvents';
import type { StepFault, StepStubs } from './stepProbe';
import { createTestEngine, type TestEngine, type TestEngineOptions } from './testEngine';

/**
 * Options of {@link checkLifecycle}.
 *
 * @example
 * await checkLifecycle(expenseApproval, { inputs: [input], signals: [{ type: 'approve', approver: 'bob' }], numRuns: 50 });
 */
export interface CheckLifecycleOptions<TInput = unknown> {
  /** Inputs to submit: an arbitrary, or a list to pick from. Required unless every input is valid `{}`. */
  readonly inputs?: fc.Arbitrary<TInput> | readonly TInput[];
  /** Schedules to try (default 100). */
  readonly numRuns?: number;
  /** Replays a failure: the seed (and path) its error printed. */
  readonly seed?: number;
  readonly path?: string;
  /** Commands per schedule at most (default 25). */
  readonly maxCommands?: number;
  /** Step functions to run instead of the real ones, by actor name. */
  readonly stubs?: StepStubs;
  /** Faults injected into a run's first step attempt (default `fail`, `fatal`, `slow`; `[]` for none; your own {@link CustomFault}s too). */
  readonly faults?: readonly StepFault[];
  /** Where runs may crash (default every crash point). */
  readonly crashPoints?: readonly CrashPoint[];
  /** Example payloads of the machine's events (default a bare `{ type }` per event it accepts). */
  readonly signals?: readonly ExternalEvent[];
  /** Two or more tenants to spread requests over (default `tenant-a`, `tenant-b`). */
  readonly tenants?: readonly string[];
  /** A fresh event store per schedule (default in memory); e.g. DynamoDB Local. */
  readonly store?: () => EventStore;
  /** Older versions of the workflow that must still run. */
  readonly otherVersions?: readonly Workflow[];
  /**
   * The workflows the checked one starts as child workflows: registered beside it, and every
   * child request it starts is held to the same invariants and must settle too.
   */
  readonly children?: readonly Workflow[];
  /**
   * Runs every workflow of the check under this concurrency limit per
   * tenant (those without their own `concurrency`), on in-memory slots.
   * The schedules then also race several requests for their slots and run
   * requests behind one held mid-step, and every moment is checked: no
   * key ever has more requests running a step than its limit, and every
   * queued request settles.
   */
  readonly concurrencyPerTenant?: number;
  /** @internal Engine options a kit test swaps in (a faulty projector or runner, no slots). */
  readonly engine?: Partial<Pick<TestEngineOptions, 'project' | 'runRequest' | 'flowControl'>>;
}

/**
 * What a passing {@link checkLifecycle} tried.
 *
 * @example
 * const { numRuns, requests, commands } = await checkLifecycle(expenseApproval, { inputs: [input] });
 */
export interface LifecycleReport {
  readonly numRuns: number;
  readonly seed: number;
  /** Requests submitted over all schedules. */
  readonly requests: number;
  /** Commands run over all schedules. */
  readonly commands: number;
}

/**
 * The model-based property test of a workflow's request lifecycle: random
 * schedules of submits, runs with ample and tight budgets, crashes at every
 * crash point, duplicate and concurrent deliveries, clock jumps, cancels,
 * signals the machine does and does not accept, subscriptions and cross-
 * tenant reads over two tenants — checking DESIGN §4's invariants 1–9 after
 * every command, and that every request settles. Runs the real steps (or
 * `stubs`) on the {@link createTestEngine | test engine}. Throws an
 * {@link InvariantViolation} with the seed, the path and the shrunk schedule.
 * Works under any test runner.
 *
 * @example
 * it('keeps the lifecycle invariants', async () => {
 *   await checkLifecycle(expenseApproval, {
 *     inputs: [{ employee: 'ann', amountCents: 1200, receipts: ['rcpt-1'] }],
 *     signals: [{ type: 'approve', approver: 'bob' }],
 *     numRuns: 50,
 *   });
 * });
 */
export async function checkLifecycle<TInput>(
  workflow: Workflow<TInput>,
  options: CheckLifecycleOptions<TInput> = {},
): Promise<LifecycleReport> {
  const tenants = options.tenants ?? ['tenant-a', 'tenant-b'];
  if (tenants.length < 2) throw new RangeError('checkLifecycle needs at least two tenants');
  const totals = { requests: 0, commands: 0 };
  let failure: { error: unknown; history: string } | undefined;
  const commands = [
    ...lifecycleCommands({
      inputs: inputsOf(options.inputs),
      faults: options.faults ?? ['fail', 'fatal', 'slow'],
      crashPoints: options.crashPoints ?? CRASH_POINTS,
    }),
    ...(options.concurrencyPerTenant !== undefined ? concurrencyCommands() : []),
  ];
  const property = fc.asyncProperty(
    fc.tuple(
      commands[0] as fc.Arbitrary<LifecycleCommand>,
      fc.commands(commands, { maxCommands: options.maxCommands ?? 25, size: '+1' }),
    ),
    async ([first, rest]) => {
      // Every schedule starts with a submit, so no schedule is spent on an empty engine.
      const outcome = await runSchedule(workflow as Workflow, options, tenants, [first, ...rest]);
      if (process.env.STREAMER_KIT_TRACE) console.log(outcome.trace.join('\n'));
      totals.requests += outcome.requests;
      totals.commands += outcome.trace.length;
      if (outcome.error !== undefined) {
        failure = { error: outcome.error, history: outcome.history };
        throw outcome.error;
      }
    },
  );
  const details = await fc.check(property, {
    numRuns: options.numRuns ?? 100,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
  });
  if (details.failed) throw reportOf(details, failure);
  if (totals.requests === 0) throw new NothingAcceptedError(workflow.action, details.numRuns);
  return { numRuns: details.numRuns, seed: details.seed, ...totals };
}

/** In-memory slots that hold every run to `perTenant` (none without a limit). */
function slotsOf(perTenant: number | undefined): Pick<TestEngineOptions, 'flowControl'> {
  if (perTenant === undefined) return {};
  return {
    flowControl: { slots: new InMemorySlotStore(), defaultConcurrencyPerTenant: perTenant },
  };
}

function inputsOf<TInput>(inputs: CheckLifecycleOptions<TInput>['inputs']): fc.Arbitrary<unknown> {
  if (inputs === undefined) return fc.constant({});
  if (Array.isArray(inputs)) {
    if (inputs.length === 0) throw new RangeError('checkLifecycle: inputs must not be empty');
    return fc.constantFrom(...inputs);
  }
  return inputs as fc.Arbitrary<unknown>;
}

function reportOf(
  details: { seed: number; counterexamplePath: string | null; errorInstance: unknown },
  failure: { error: unknown; history: string } | undefined,
): InvariantViolation {
  const run = {
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
    history: failure?.history ?? '',
  };
  const error = failure?.error ?? details.errorInstance;
  if (error instanceof InvariantViolation) return error.withRun(run);
  return new InvariantViolation({
    invariant: 'engine error',
    detail: `the schedule threw ${String(error)}`,
    cause: error,
  }).withRun(run);
}

/** One schedule on a fresh engine: the commands, then settling every request. */
async function runSchedule(
  workflow: Workflow,
  options: CheckLifecycleOptions<unknown>,
  tenants: readonly string[],
  cmds: Iterable<fc.AsyncCommand<LifecycleModel, LifecycleReal>>,
): Promise<{ error?: unknown; history: string; trace: string[]; requests: number }> {
  const engine = createTestEngine({
    workflows: [workflow, ...(options.otherVersions ?? []), ...(options.children ?? [])],
    ...(options.stubs ? { stubs: options.stubs } : {}),
    ...(options.store ? { store: options.store() } : {}),
    ...slotsOf(options.concurrencyPerTenant),
    ...options.engine,
  });
  if (options.concurrencyPerTenant !== undefined) {
    engine.internals.probe.watchConcurrency(options.concurrencyPerTenant);
  }
  const model: LifecycleModel = { requests: [] };
  const trace: string[] = [];
  const previous = new Map<string, StoredEvent[]>();
  const recoveries = new LeaseRecoveries();
  const real: LifecycleReal = {
    engine,
    action: workflow.action,
    tenants,
    signals: signalCandidates(workflow.machine, options.signals),
    trace,
    check: () => checkAll(engine, model, previous, false, recoveries),
    recoveries,
  };
  try {
    await fc.asyncModelRun(() => ({ model, real }), cmds);
    await settleAll(real, model);
    await checkAll(engine, model, previous, true, recoveries);
    return { history: '', trace, requests: model.requests.length };
  } catch (error) {
    const logs = await logsOf(engine, model).catch(() => new Map<string, StoredEvent[]>());
    return { error, history: formatHistory(trace, logs), trace, requests: model.requests.length };
  }
}

async function logsOf(
  engine: TestEngine,
  model: LifecycleModel,
): Promise<Map<string, StoredEvent[]>> {
  const logs = new Map<string, StoredEvent[]>();
  for await (const { request, log } of everyRequest(engine, model)) {
    logs.set(engine.internals.key(request.requestId, request), log);
  }
  return logs;
}

/**
 * Every request of the schedule with its log: the submitted ones, then each child a
 * request's log says it started (same tenant), depth first.
 */
async function* everyRequest(
  engine: TestEngine,
  model: LifecycleModel,
): AsyncGenerator<{ request: ModelRequest; log: StoredEvent[] }> {
  const pending: ModelRequest[] = [...model.requests];
  for (let request = pending.shift(); request; request = pending.shift()) {
    const log = await engine.log(request.requestId, request);
    yield { request, log };
    for (const event of log) {
      if (event.type !== 'child.started') continue;
      const { childRequestId } = event.data as { childRequestId: string };
      pending.push({ tenantId: request.tenantId, requestId: childRequestId });
    }
  }
}

/**
 * Lets every request finish: fires everything scheduled, sends a waiting
 * machine an event it accepts (or cancels it when none of the candidates
 * fits), and fails invariant 7 for a request that still has not ended.
 */
async function settleAll(real: LifecycleReal, model: LifecycleModel): Promise<void> {
  const { engine } = real;
  real.trace.push('(settle: fire every timer and wake-up, signal or cancel what waits)');
  for (let round = 0; round < 12; round++) {
    await engine.advanceUntilIdle();
    const open = await openRequests(engine, model);
    if (open.length === 0) return;
    for (const request of open) await nudge(real, request);
    real.trace.push(
      `(settling, round ${round + 1}: ${open.map((r) => `${r.tenantId}/${r.requestId}`).join(', ')})`,
    );
  }
  const [stuck] = await openRequests(engine, model);
  if (stuck) {
    const requestKey = engine.internals.key(stuck.requestId, stuck);
    throw new InvariantViolation({
      invariant: '7 (every request settles)',
      requestKey,
      detail: 'still not ended after every timer fired and every signal was tried',
    });
  }
}

async function openRequests(engine: TestEngine, model: LifecycleModel) {
  const open = [];
  for await (const { request, log } of everyRequest(engine, model)) {
    if (!isSettled(engine.registry, log)) open.push(request);
  }
  return open;
}

async function nudge(
  real: LifecycleReal,
  request: { tenantId: string; requestId: string },
): Promise<void> {
  const { engine } = real;
  const state = await engine.state(request.requestId, request);
  if (!state || state.terminal || state.snapshot.status !== 'active') return;
  // A step left with nothing scheduled to run it is invariant 7's business, not ours to paper over.
  if (state.steps.size > 0) return;
  const event = real.signals.find((candidate) => state.snapshot.can(candidate));
  if (event) await engine.signal(request.requestId, event, request);
  else
    await engine.cancel(request.requestId, {
      ...request,
      reason: 'no signal fits: cancelled to settle',
    });
}

/** Every invariant over every request, after a command (or, `settled`, at the end). */
async function checkAll(
  engine: TestEngine,
  model: LifecycleModel,
  previous: Map<string, StoredEvent[]>,
  settled: boolean,
  recoveries: LeaseRecoveries,
): Promise<void> {
  await engine.internals.projected();
  recoveries.check(engine.now(), engine.internals.runStarts());
  const frameCounts = frameCountsOf(engine);
  const [overlap] = engine.internals.probe.takeViolations();
  if (overlap) throw overlap;
  const logs = await logsOf(engine, model);
  const folds = new Map<string, Map<number, unknown>>();
  for (const [requestKey, log] of logs) {
    const before = previous.get(requestKey);
    // The log checks are pure functions of the log: an unchanged log passed them already.
    const changed = settled || before?.length !== log.length;
    if (changed) {
      const state = checkLog(engine, log, before, settled);
      folds.set(requestKey, new Map([[state.version, comparableState(state)]]));
      previous.set(requestKey, log);
    }
    checkCallsLeased(log, (stepId) => engine.internals.probe.calls(requestKey, stepId));
    const frames = engine.internals.poster.framesOf(requestKey);
    if (changed || frameCounts.get(requestKey) !== frames.length) {
      const owner = (log[0]?.data as { connectionId?: string } | undefined)?.connectionId;
      checkFrames(requestKey, log, frames, owner);
      frameCounts.set(requestKey, frames.length);
    }
  }
  for (const { requestKey, state } of engine.internals.takeFinishedRuns()) {
    const log = logs.get(requestKey) ?? (await engine.store.read(requestKey));
    const known = folds.get(requestKey) ?? new Map<number, unknown>();
    folds.set(requestKey, known);
    checkLiveState(engine.registry, requestKey, state, log, known);
  }
  for (const request of model.requests) await checkReads(engine, model, request, logs);
}

const frameCountCache = new WeakMap<TestEngine, Map<string, number>>();

/** How many frames of each request were checked already (per engine). */
function frameCountsOf(engine: TestEngine): Map<string, number> {
  const counts = frameCountCache.get(engine) ?? new Map<string, number>();
  frameCountCache.set(engine, counts);
  return counts;
}

function checkLog(
  engine: TestEngine,
  log: readonly StoredEvent[],
  before: readonly StoredEvent[] | undefined,
  settled: boolean,
): RequestState {
  checkSeq(log, before);
  checkOneTerminal(log);
  const state = checkDeterministicReplay(engine.registry, log);
  checkLeases(engine.registry, log);
  checkProgress(log);
  checkAttempts(state, log, engine.deadLetters, settled);
  return state;
}

/** Invariants 8 and 9 for reads: the stored view and `status` equal the oracle; other tenants see only their own. */
async function checkReads(
  engine: TestEngine,
  model: LifecycleModel,
  request: { tenantId: string; requestId: string },
  logs: ReadonlyMap<string, StoredEvent[]>,
): Promise<void> {
  const requestKey = engine.internals.key(request.requestId, request);
  const log = logs.get(requestKey) ?? [];
  checkView('projected view', requestKey, await engine.view(request.requestId, request), log);
  const status = foldRequestView(log);
  checkView(
    'status read',
    requestKey,
    status?.tenantId === request.tenantId ? status : undefined,
    log,
  );
  for (const tenantId of new Set(model.requests.map((r) => r.tenantId))) {
    if (tenantId === request.tenantId) continue;
    const seen = await engine.status(request.requestId, { tenantId });
    const own = model.requests.some(
      (r) => r.tenantId === tenantId && r.requestId === request.requestId,
    );
    if (seen && (!own || seen.tenantId !== tenantId)) {
      const detail = `status from ${tenantId} answered with ${seen.tenantId}'s request`;
      throw new InvariantViolation({
        invariant: '9 (reads stay in the tenant)',
        requestKey,
        detail,
      });
    }
    if (!seen && own) {
      const detail = `status from ${tenantId} found nothing although it has ${request.requestId}`;
      throw new InvariantViolation({
        invariant: '9 (reads stay in the tenant)',
        requestKey,
        detail,
      });
    }
  }
}
