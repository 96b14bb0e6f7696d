import fc from 'fast-check';
import { newSubscriptionRecord } from '../connections/subscriptionStore';
import {
  EventNotAcceptedError,
  EventValidationError,
  type ExternalEvent,
  InputValidationError,
  NotDeadLetteredError,
  RequestFinishedError,
  RequestNotFoundError,
  type RunOutcome,
} from '../engine';
import type { EventStore } from '../events/eventStore';
import { CrashingStore, type CrashPoint, SimulatedCrash } from './crashes';
import { InvariantViolation } from './errors';
import type { LeaseRecoveries } from './leaseRecoveries';
import { faultName, type StepFault } from './stepProbe';
import type { TestEngine } from './testEngine';

/** A request the schedule submitted. */
export interface ModelRequest {
  readonly tenantId: string;
  readonly requestId: string;
}

/** What the commands know: the requests submitted so far. */
export interface LifecycleModel {
  readonly requests: ModelRequest[];
}

/** What the commands act on. */
export interface LifecycleReal {
  readonly engine: TestEngine;
  /** The action of the workflow under check (the registry also holds its children). */
  readonly action: string;
  readonly tenants: readonly string[];
  readonly signals: readonly ExternalEvent[];
  /** Each command as run, with what it saw (the readable history). */
  readonly trace: string[];
  /** Runs after every command: the invariants. */
  readonly check: () => Promise<void>;
  /** Runs that died holding a lease, and whether their requests were picked up in time. */
  readonly recoveries: LeaseRecoveries;
}

/** How much time a run has: plenty, too little for a slow step, or too little to start one. */
export type Budget = 'ample' | 'tight' | 'exhausted';

/** One command of a schedule. */
export type LifecycleCommand = fc.AsyncCommand<LifecycleModel, LifecycleReal>;
type Command = LifecycleCommand;

const MAX_REQUESTS = 4;
const IDS = ['r1', 'r2', 'r3'];
const WATCHER = 'watcher';

/** The request a command's index points at (wrapping around). @internal */
export const pick = (model: Readonly<LifecycleModel>, index: number): ModelRequest =>
  model.requests[index % model.requests.length] as ModelRequest;
/** How the history names a request. @internal */
export const label = (request: ModelRequest): string => `${request.tenantId}/${request.requestId}`;
const otherTenant = (real: LifecycleReal, tenantId: string): string =>
  real.tenants.find((t) => t !== tenantId) ?? tenantId;
const broken = (invariant: string, request: ModelRequest, detail: string): InvariantViolation =>
  new InvariantViolation({
    invariant,
    requestKey: `${request.tenantId}#${request.requestId}`,
    detail,
  });

/** Whether `tenantId` has a request with `requestId` (the same id may exist in two tenants). */
const has = (model: Readonly<LifecycleModel>, tenantId: string, requestId: string): boolean =>
  model.requests.some((r) => r.tenantId === tenantId && r.requestId === requestId);

/** Runs `act`, records the command and what it saw, then checks every invariant. @internal */
export async function step(real: LifecycleReal, text: () => string, act: () => Promise<string>) {
  if (process.env.STREAMER_KIT_DEBUG) console.log('>>', text());
  let seen: string;
  try {
    seen = await act();
  } catch (error) {
    real.trace.push(`${text()} → threw ${String(error)}`);
    throw error;
  }
  real.trace.push(`${text()}${seen ? ` → ${seen}` : ''}`);
  await real.check();
}

class Submit implements Command {
  #text = '';
  constructor(
    readonly tenant: number,
    readonly id: number,
    readonly input: unknown,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length < MAX_REQUESTS;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const tenantId = real.tenants[this.tenant % real.tenants.length] as string;
    const free = IDS.filter((id) => !has(model, tenantId, id));
    const requestId = free[this.id % free.length];
    this.#text = `submit(${tenantId}/${requestId ?? '-'}, ${JSON.stringify(this.input)})`;
    if (!requestId)
      return step(
        real,
        () => this.#text,
        async () => 'no id left',
      );
    const request = { tenantId, requestId };
    await step(
      real,
      () => this.#text,
      async () => {
        const started = await start(real, request, this.input);
        if (started === 'invalid') return 'refused: invalid input';
        model.requests.push(request);
        if ((await start(real, request, this.input)) !== 'existing')
          throw broken('idempotent submit', request, 'a repeated id started a second request');
        return 'accepted (a repeat was not)';
      },
    );
  }
  toString = () => this.#text || 'submit';
}

async function start(real: LifecycleReal, request: ModelRequest, input: unknown) {
  try {
    const options = { id: request.requestId, tenantId: request.tenantId };
    const started = await real.engine.start(
      request.requestId === '' ? '' : real.action,
      input,
      options,
    );
    return started.created ? 'created' : 'existing';
  } catch (error) {
    if (error instanceof InputValidationError) return 'invalid';
    throw error;
  }
}

class Run implements Command {
  #text = 'run';
  constructor(
    readonly index: number,
    readonly budget: Budget,
    readonly crash: CrashPoint | 'none',
    readonly fault: StepFault | 'none',
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    this.#text = `run(${label(request)}, budget: ${this.budget}, crash: ${this.crash}, fault: ${faultName(this.fault)})`;
    await step(
      real,
      () => this.#text,
      () => runOnce(real, request, this),
    );
  }
  toString = () => this.#text;
}

const BUDGET_MS: Readonly<Record<Budget, number | undefined>> = {
  ample: undefined,
  tight: 4_000,
  exhausted: 1_500,
};

async function runOnce(real: LifecycleReal, request: ModelRequest, run: Run): Promise<string> {
  const { engine } = real;
  const key = engine.internals.key(request.requestId, request);
  // This run is the delivery of the request's due wake-up, if it has one: a
  // crash then leaves that message to come back after the queue's visibility
  // timeout, like SQS; sooner, only what the log's records schedule brings
  // the request back.
  const delivered = engine.internals.takeWakeUp(key);
  const runsBefore = engine.internals.runStarts().length;
  engine.internals.probe.arm(key, run.fault === 'none' ? undefined : run.fault);
  const crash = run.crash;
  const budgetMs = BUDGET_MS[run.budget];
  try {
    const outcome = await engine.internals.drive(
      engine.run(request.requestId, {
        tenantId: request.tenantId,
        ...(budgetMs !== undefined ? { budgetMs } : {}),
        ...(crash !== 'none' ? { store: (s: EventStore) => new CrashingStore(s, crash) } : {}),
      }),
    );
    return describeOutcome(outcome);
  } catch (error) {
    if (!(error instanceof SimulatedCrash)) throw error;
    if (delivered) engine.internals.redeliver(delivered);
    const leaseEnd = await heldLeaseEnd(engine, request);
    if (leaseEnd !== undefined) real.recoveries.expect(key, runsBefore, leaseEnd);
    return `crashed: ${error.message}`;
  } finally {
    engine.internals.probe.arm(key, undefined);
  }
}

/** When the earliest lease still held on a step of the request ends, if one is held. */
async function heldLeaseEnd(
  engine: LifecycleReal['engine'],
  request: ModelRequest,
): Promise<number | undefined> {
  const state = await engine.state(request.requestId, { tenantId: request.tenantId });
  const now = engine.now();
  const ends = [...(state?.steps.values() ?? [])]
    .filter((step) => step.status === 'running' && (step.leaseUntil ?? 0) > now)
    .map((step) => step.leaseUntil as number);
  return ends.length > 0 ? Math.min(...ends) : undefined;
}

/** A run's outcome as the history shows it. @internal */
export function describeOutcome(outcome: RunOutcome): string {
  const extra =
    'retryAt' in outcome && outcome.retryAt !== undefined ? ` until +${outcome.retryAt}` : '';
  return `${outcome.kind}${extra} (${outcome.stepsRun} step attempts)`;
}

class ConcurrentRuns implements Command {
  #text = 'concurrentRuns';
  constructor(
    readonly index: number,
    readonly count: number,
    readonly scheduler: fc.Scheduler,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    this.#text = `concurrentRuns(${label(request)}, ×${this.count})`;
    await step(
      real,
      () => `${this.#text} ${this.scheduler.report().length} store calls interleaved`,
      async () => {
        const s = this.scheduler;
        const gated = (store: EventStore): EventStore => ({
          append: (...args) =>
            s.schedule(Promise.resolve('append')).then(() => store.append(...args)),
          read: (...args) => s.schedule(Promise.resolve('read')).then(() => store.read(...args)),
        });
        const runs = Array.from({ length: this.count }, () =>
          real.engine.run(request.requestId, { tenantId: request.tenantId, store: gated }),
        );
        const outcomes = await s.waitFor(Promise.all(runs));
        if (outcomes.filter((o) => o.kind === 'completed').length > 1)
          throw broken(
            '2 (one terminal)',
            request,
            'two concurrent runners both completed the request',
          );
        return outcomes.map((o) => o.kind).join(', ');
      },
    );
  }
  toString = () => this.#text;
}

class Deliver implements Command {
  check = () => true;
  async run(_model: LifecycleModel, real: LifecycleReal): Promise<void> {
    await step(
      real,
      () => 'deliver (run what is due now)',
      async () => {
        await real.engine.runUntilIdle();
        return '';
      },
    );
  }
  toString = () => 'deliver';
}

class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: LifecycleModel, real: LifecycleReal): Promise<void> {
    await step(
      real,
      () => `advance(${this.ms} ms)`,
      async () => {
        await real.engine.advance(this.ms);
        return '';
      },
    );
  }
  toString = () => `advance(${this.ms} ms)`;
}

class Cancel implements Command {
  #text = 'cancel';
  constructor(
    readonly index: number,
    readonly fromOther: boolean,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    const tenantId = this.fromOther ? otherTenant(real, request.tenantId) : request.tenantId;
    const foreign = !has(model, tenantId, request.requestId);
    this.#text = `cancel(${request.requestId}) from ${tenantId}`;
    await step(
      real,
      () => this.#text,
      async () => {
        try {
          await real.engine.cancel(request.requestId, { tenantId });
        } catch (error) {
          if (foreign && error instanceof RequestNotFoundError) return 'NOT_FOUND';
          if (!foreign && error instanceof RequestFinishedError) return 'already finished';
          throw error;
        }
        if (foreign)
          throw broken('9 (reads stay in the tenant)', request, `${tenantId} cancelled it`);
        return 'cancelled';
      },
    );
  }
  toString = () => this.#text;
}

class Signal implements Command {
  #text = 'signal';
  constructor(
    readonly index: number,
    readonly event: number,
    readonly fromOther: boolean,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    const event = real.signals[this.event % real.signals.length] as ExternalEvent;
    const tenantId = this.fromOther ? otherTenant(real, request.tenantId) : request.tenantId;
    this.#text = `signal(${request.requestId}, ${JSON.stringify(event)}) from ${tenantId}`;
    await step(
      real,
      () => this.#text,
      () => signal(real, model, { tenantId, requestId: request.requestId }, event),
    );
  }
  toString = () => this.#text;
}

/** A signal lands exactly when the machine can take it now; a refused one leaves no trace. */
async function signal(
  real: LifecycleReal,
  model: Readonly<LifecycleModel>,
  target: ModelRequest,
  event: ExternalEvent,
): Promise<string> {
  const { engine } = real;
  if (!has(model, target.tenantId, target.requestId)) {
    const refused = await engine.signal(target.requestId, event, target).then(
      () => false,
      (error: unknown) => error instanceof RequestNotFoundError,
    );
    if (!refused)
      throw broken('9 (reads stay in the tenant)', target, 'another tenant signalled it');
    return 'NOT_FOUND';
  }
  const state = await engine.state(target.requestId, target);
  const before = (await engine.log(target.requestId, target)).length;
  const accepts =
    !state?.terminal && state?.snapshot.status === 'active' && state.snapshot.can(event);
  try {
    await engine.signal(target.requestId, event, target);
  } catch (error) {
    const refusal =
      error instanceof EventNotAcceptedError ||
      error instanceof EventValidationError ||
      error instanceof RequestFinishedError;
    if (!refusal) throw error;
    if (accepts)
      throw broken('signals', target, `${event.type} refused though the machine can take it`);
    if ((await engine.log(target.requestId, target)).length !== before)
      throw broken('signals', target, 'a refused event was stored');
    return `refused (${error.name})`;
  }
  if (!accepts)
    throw broken('signals', target, `${event.type} stored though the machine cannot take it`);
  return 'accepted';
}

class Subscribe implements Command {
  #text = 'subscribe';
  constructor(
    readonly index: number,
    readonly fromOther: boolean,
    readonly catchUp: boolean,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    const tenantId = this.fromOther ? otherTenant(real, request.tenantId) : request.tenantId;
    const connectionId = `${tenantId}/${WATCHER}`;
    this.#text = `subscribe(${request.requestId}${this.catchUp ? ', last_seq: 0' : ''}) from ${connectionId}`;
    await step(
      real,
      () => this.#text,
      async () => {
        await real.engine.connect(connectionId, { tenantId, userId: WATCHER });
        const caller = { tenantId, userId: WATCHER, ...(this.catchUp ? { lastSeq: 0 } : {}) };
        const subscribed = await real.engine.subscribe(request.requestId, connectionId, caller);
        if (subscribed !== has(model, tenantId, request.requestId))
          throw broken(
            '9 (reads stay in the tenant)',
            request,
            `subscribe from ${tenantId} gave ${subscribed}`,
          );
        return subscribed ? 'subscribed' : 'NOT_FOUND';
      },
    );
  }
  toString = () => this.#text;
}

/**
 * A subscription row for the request held by another tenant's connection —
 * what a bug elsewhere or a stale row would leave. The projector's tenant
 * checks must keep every frame away from it.
 */
class ForgeSubscription implements Command {
  #text = 'forgeSubscription';
  constructor(
    readonly index: number,
    readonly claimOwner: boolean,
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    const intruder = otherTenant(real, request.tenantId);
    const connectionId = `${intruder}/${WATCHER}`;
    const claimed = this.claimOwner ? request.tenantId : intruder;
    this.#text = `forgeSubscription(${label(request)} → ${connectionId}, row claims tenant ${claimed})`;
    await step(
      real,
      () => this.#text,
      async () => {
        const { engine } = real;
        await engine.connect(connectionId, { tenantId: intruder, userId: WATCHER });
        await engine.internals.subscriptions.put(
          newSubscriptionRecord({
            requestKey: engine.internals.key(request.requestId, request),
            connectionId,
            tenantId: claimed,
            userId: WATCHER,
            requestId: request.requestId,
            subscribedAt: engine.now(),
          }),
        );
        return '';
      },
    );
  }
  toString = () => this.#text;
}

class Redrive implements Command {
  #text = 'redrive';
  constructor(readonly index: number) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 0;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const request = pick(model, this.index);
    this.#text = `redrive(${label(request)})`;
    await step(
      real,
      () => this.#text,
      async () => {
        const state = await real.engine.state(request.requestId, request);
        try {
          await real.engine.redrive(request.requestId, request);
        } catch (error) {
          if (error instanceof NotDeadLetteredError && !state?.deadLettered)
            return 'not dead-lettered';
          throw error;
        }
        return 'redriven';
      },
    );
  }
  toString = () => this.#text;
}

/** What the schedules are drawn from. */
export interface CommandOptions {
  readonly inputs: fc.Arbitrary<unknown>;
  readonly faults: readonly StepFault[];
  readonly crashPoints: readonly CrashPoint[];
}

/**
 * The command arbitraries of the lifecycle model, the first one a submit.
 * Runs, deliveries and clock jumps are listed more than once: `fc.commands`
 * picks uniformly, and a schedule mostly cancelled early says little.
 */
export function lifecycleCommands(options: CommandOptions): fc.Arbitrary<Command>[] {
  const index = fc.nat(7);
  const submit = fc
    .tuple(fc.nat(1), fc.nat(2), options.inputs)
    .map(([t, i, input]): Command => new Submit(t, i, input));
  const run = fc
    .tuple(
      index,
      fc.constantFrom<Budget>('ample', 'ample', 'tight', 'exhausted'),
      fc.constantFrom<CrashPoint | 'none'>('none', 'none', 'none', ...options.crashPoints),
      fc.constantFrom<StepFault | 'none'>('none', 'none', ...options.faults),
    )
    .map(([i, budget, crash, fault]): Command => new Run(i, budget, crash, fault));
  const concurrent = fc
    .tuple(index, fc.integer({ min: 2, max: 3 }), fc.scheduler())
    .map(([i, count, s]): Command => new ConcurrentRuns(i, count, s));
  const deliver = fc.constant<Command>(new Deliver());
  const advance = fc
    .constantFrom(50, 2_000, 61_000, 15 * 60_000 + 1, 3 * 24 * 3_600_000)
    .map((ms): Command => new Advance(ms));
  const signal = fc
    .tuple(index, fc.nat(9), fc.boolean())
    .map(([i, event, other]): Command => new Signal(i, event, other));
  return [
    submit,
    submit,
    run,
    run,
    run,
    concurrent,
    deliver,
    deliver,
    advance,
    advance,
    signal,
    signal,
    fc.tuple(index, fc.boolean()).map(([i, other]): Command => new Cancel(i, other)),
    fc.tuple(index, fc.boolean(), fc.boolean()).map(([i, o, c]): Command => new Subscribe(i, o, c)),
    fc.tuple(index, fc.boolean()).map(([i, claim]): Command => new ForgeSubscription(i, claim)),
    index.map((i): Command => new Redrive(i)),
  ];
}
