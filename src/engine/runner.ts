import type { StateValue } from 'xstate';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';
import { startChildAttempt } from './childAttempt';
import { notifyParent } from './childRelations';
import { cancelChildren } from './commands';
import { type DeadLetterSink, deadLetterMessageOf } from './deadLetter';
import { type Decision, decide, endedRelations, type StepStart } from './decide';
import type { PendingTimer } from './durableTimers';
import { RequestNotFoundError } from './errors';
import { type FlowControl, FlowGate, type FlowReport, type Gated } from './flowGate';
import { type EngineLogger, silentLogger } from './logger';
import { globalTimers, type ProgressUpdate, type Timers } from './progressReporter';
import { toJson, toRecordedError } from './recordedError';
import type { WorkflowRegistry } from './registry';
import type { RequestState } from './replay';
import { nextAttemptAt } from './retry';
import { type CommitResult, FoldError, type Lease, type LostReason, RunLog } from './runLog';
import type { SlotEnd } from './runSlots';
import {
  type AttemptResult,
  progressEvent,
  type RunningAttempt,
  startAttempt,
} from './stepAttempt';
import { settleUnrunnable } from './unrunnable';

/** What {@link runRequest} needs; everything with side effects is injected. */
export interface RunRequestDeps {
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  /** The request's storage key (`toRequestKey(tenantId, requestId)`). */
  readonly requestKey: string;
  /** Time left in this invocation (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  readonly clock: () => number;
  readonly deadLetterSink: DeadLetterSink;
  readonly logger?: EngineLogger;
  /**
   * Time kept back at the end of the budget to stop the step and record the
   * suspension (default 1,000 ms). No new step starts with less than twice this left.
   */
  readonly safetyMarginMs?: number;
  /** Progress batching window (default 200 ms). */
  readonly progressIntervalMs?: number;
  /** @internal Timers for the step deadline, progress batching and short waits. */
  readonly timers?: Timers;
  /**
   * A retry or timer due within this many ms is waited for in this run
   * (when the budget allows) instead of ending the run and being woken
   * later: SQS delays count whole seconds, so a 100 ms backoff would take
   * 1 s. Default 0 (never wait): the processor passes
   * {@link SHORT_WAIT_MAX_MS}. Needs a clock that moves with the timers.
   */
  readonly shortWaitMaxMs?: number;
  /** Concurrency slots and dependency circuits (`docs/flow-control.md`); absent: no limits. */
  readonly flowControl?: FlowControl;
  /**
   * @internal Told the runner's own folded state when a run stops, so a test
   * can compare it with a fresh fold of the log (invariant 3).
   */
  readonly onFinish?: (state: RequestState) => void;
}

/** The longest wait a processor run spends in-process instead of a queued wake-up (SQS counts whole seconds). */
export const SHORT_WAIT_MAX_MS = 1_000;

/** What a run ended with; the caller schedules wake-ups from it. */
export type RunOutcome = (
  | { readonly kind: 'completed'; readonly output: unknown }
  | { readonly kind: 'failed'; readonly error: RecordedError }
  | { readonly kind: 'dead_lettered'; readonly error: RecordedError; readonly messageId: string }
  | { readonly kind: 'cancelled' }
  /** Active, no step to run: it waits for an external event (`signalRequest`). */
  | { readonly kind: 'waiting_for_signal'; readonly state: StateValue }
  /** Out of time; `request.suspended` was recorded, whose stream record wakes the next run. */
  | { readonly kind: 'suspended'; readonly stepId?: string }
  /** A durable timer is pending (and nothing else is due before it): wake the request at `fireAt`. */
  | { readonly kind: 'timer_scheduled'; readonly fireAt: number; readonly state: StateValue }
  /** A step failed and will be tried again at `retryAt` (epoch ms): wake the request then. */
  | { readonly kind: 'retry_scheduled'; readonly stepId: string; readonly retryAt: number }
  /**
   * Another runner holds the step (or won the append). When `retryAt` is set,
   * its lease ends then: wake the request at that time in case it crashed.
   */
  | { readonly kind: 'lost_race'; readonly retryAt?: number }
  /** The log is empty or the request already ended. */
  | { readonly kind: 'nothing_to_do'; readonly reason: 'not_found' | 'finished' }
  /**
   * No concurrency slot is free: `position` runs are ahead in line. A
   * released slot wakes it (`flow.wake` of the releasing run); look again
   * at `recheckAt` in case that wake-up was lost.
   */
  | { readonly kind: 'queued'; readonly position: number; readonly recheckAt: number }
) & {
  /** Step attempts this run started. */
  readonly stepsRun: number;
  /** What flow control did (wake-ups owed to queued runs, queue wait, circuit changes). */
  readonly flow?: FlowReport;
};

/**
 * When the request must be looked at again although no new event will
 * announce it: a retry's backoff, a durable timer, or the lease of a runner
 * that may have crashed. Undefined when its own events (or a client's) will wake it.
 *
 * @example
 * const dueAt = wakeUpAt(await runRequest(deps));
 * if (dueAt !== undefined) await wakeUps.schedule({ requestKey, dueAt });
 */
export function wakeUpAt(outcome: RunOutcome): number | undefined {
  switch (outcome.kind) {
    case 'retry_scheduled':
      return outcome.retryAt;
    case 'timer_scheduled':
      return outcome.fireAt;
    case 'lost_race':
      return outcome.retryAt;
    case 'queued':
      return outcome.recheckAt;
    default:
      return undefined;
  }
}

/** What a run ended with, before the count of steps run is added. */
type Ended = DistributiveOmit<RunOutcome, 'stepsRun'>;

/** After each decision: decide again, or stop the run with an outcome. */
type Next = { readonly kind: 'again' } | { readonly kind: 'stop'; readonly outcome: Ended };

const AGAIN: Next = { kind: 'again' };
const stop = (outcome: Ended): Next => ({ kind: 'stop', outcome });

/** What a run stops with when the step it worked for was taken away. */
const lostOutcome = (reason: LostReason): Ended =>
  reason === 'cancelled' ? { kind: 'cancelled' } : { kind: 'lost_race' };

type Idle = Extract<Decision, { kind: 'idle' }>;

/**
 * Runs a request as far as it can go now: reads the log, replays it, and
 * runs the steps that are due — several at once when the machine is in
 * parallel states, each under its own lease — and fires the durable timers
 * that are due, while the time budget allows. The conditional append of
 * `step.started` is the lease: a runner that loses it returns `lost_race`
 * without running the step. A step's outcome and the next step's start (or
 * the request's end) go in one append. Safe to call any number of times,
 * concurrently, for the same request.
 *
 * @example
 * const outcome = await runRequest({
 *   store, registry, requestKey, clock: Date.now, deadLetterSink,
 *   remainingTimeMs: () => context.getRemainingTimeInMillis(),
 * });
 * const dueAt = wakeUpAt(outcome);
 * if (dueAt !== undefined) await scheduleWakeUp(requestKey, dueAt);
 */
export async function runRequest(deps: RunRequestDeps): Promise<RunOutcome> {
  let log: RunLog | undefined;
  try {
    log = await RunLog.open(deps);
  } catch (error) {
    if (!(error instanceof FoldError)) throw error;
    return { ...(await endUnrunnable(deps, error.cause)), stepsRun: 0 };
  }
  if (!log) return { kind: 'nothing_to_do', reason: 'not_found', stepsRun: 0 };
  return new Runner(deps, log).run();
}

/**
 * The registered workflows cannot fold this log (it would fail on every
 * delivery): end the request from its raw log (`unrunnable.ts`).
 */
async function endUnrunnable(deps: RunRequestDeps, cause: unknown): Promise<Ended> {
  if (cause instanceof RequestNotFoundError) return { kind: 'nothing_to_do', reason: 'not_found' };
  const events = await deps.store.read(deps.requestKey);
  return settleUnrunnable({ ...deps, logger: deps.logger ?? silentLogger }, events, cause);
}

/** One run of one request: a loop of decide, then act on the decision. */
class Runner {
  readonly #deps: RunRequestDeps;
  readonly #log: RunLog;
  readonly #logger: EngineLogger;
  readonly #margin: number;
  readonly #timers: Timers;
  /** Attempts this run started that have not settled, by step id. */
  readonly #inFlight = new Map<string, RunningAttempt>();
  /** Attempts stopped because their step left the machine (a timer or signal moved it on). */
  readonly #released: RunningAttempt[] = [];
  /** The wake time last waited for in-process: a clock that did not move must not loop. */
  #waitedFor: number | undefined;
  #stepsRun = 0;
  /** Concurrency slot and dependency circuits before step starts. */
  readonly #gate: FlowGate;

  constructor(deps: RunRequestDeps, log: RunLog) {
    this.#deps = deps;
    this.#log = log;
    this.#logger = deps.logger ?? silentLogger;
    this.#margin = deps.safetyMarginMs ?? 1_000;
    this.#timers = deps.timers ?? globalTimers;
    this.#gate = new FlowGate({ ...deps, flow: deps.flowControl, logger: this.#logger }, log);
  }

  /** The loop; the slot goes back only once every attempt of this run has stopped. */
  async run(): Promise<RunOutcome> {
    let ended: Ended;
    try {
      ended = await this.#loop();
    } catch (error) {
      if (!(error instanceof FoldError)) throw error;
      await this.#stopInFlight();
      // Keep what the steps just produced, so they never run again, then end it.
      await this.#log.storeHeldUnfolded();
      ended = await endUnrunnable(this.#deps, error.cause);
    } finally {
      await this.#stopInFlight();
    }
    const flow = await this.#gate.finish(slotEndOf(ended));
    return { ...ended, stepsRun: this.#stepsRun, ...(flow && { flow }) } as RunOutcome;
  }

  async #loop(): Promise<Ended> {
    for (;;) {
      this.#releaseLostLeases();
      const now = this.#deps.clock();
      const next = await this.#act(decide(this.#log.view(), now), now);
      if (next.kind === 'stop') {
        this.#deps.onFinish?.(this.#log.state);
        return next.outcome;
      }
    }
  }

  /** One small handler per kind of decision. */
  #act(decision: Decision, now: number): Promise<Next> {
    switch (decision.kind) {
      case 'finished':
        return this.#finished();
      case 'dead_letter':
        return this.#deadLetter();
      case 'complete':
        return this.#complete(decision.output);
      case 'fail':
        return this.#fail(decision);
      case 'fire':
        return this.#fire(decision.timers);
      case 'start':
        return this.#start(decision.starts, now);
      case 'idle':
        return this.#idle(decision, now);
    }
  }

  /** Ended before this run: settle what it owes a parent or its children (after a crash), then stop. */
  async #finished(): Promise<Next> {
    await this.#settleRelations();
    return stop({ kind: 'nothing_to_do', reason: 'finished' });
  }

  async #complete(output: unknown): Promise<Next> {
    const committed = await this.#log.commit([this.#log.event('request.completed', { output })]);
    if (committed.kind === 'committed') await this.#settleRelations();
    return this.#then(committed, () => stop({ kind: 'completed', output }));
  }

  /** A child that ended tells its parent; a cancelled parent cancels its children. Idempotent. */
  async #settleRelations(): Promise<void> {
    const state = this.#log.state;
    const { notifyParent: toNotify, childrenToCancel } = endedRelations(state);
    const { store, registry, clock } = this.#deps;
    if (toNotify && state.parent) {
      await notifyParent(store, registry, { ...state, parent: state.parent }, clock);
    }
    if (childrenToCancel.length > 0) {
      const context = { userId: state.userId, now: clock() };
      await cancelChildren(store, registry, state, childrenToCancel, context);
    }
  }

  /** Records the failure; an exhausted one goes on to its dead letter (the next decision). */
  async #fail(decision: Extract<Decision, { kind: 'fail' }>): Promise<Next> {
    const data: LifecycleEventData['request.failed'] = {
      error: decision.error,
      attempts: decision.attempts,
      ...(decision.exhausted ? { exhausted: true } : {}),
      ...(decision.stepId ? { stepId: decision.stepId } : {}),
    };
    const committed = await this.#log.commit([this.#log.event('request.failed', data)]);
    if (committed.kind === 'committed') await this.#settleRelations();
    return this.#then(committed, () =>
      decision.exhausted ? AGAIN : stop({ kind: 'failed', error: decision.error }),
    );
  }

  /** Records the firing of every due timer; the fold feeds their delayed events to the machine. */
  async #fire(timers: readonly PendingTimer[]): Promise<Next> {
    const fired = timers.map((timer) =>
      this.#log.event('timer.fired', { timerId: timer.id, scheduledSeq: timer.scheduledSeq }),
    );
    return this.#then(await this.#log.commit(fired), () => AGAIN);
  }

  /**
   * Nothing to start now. With attempts in flight, store what is held and
   * wait for the next to settle; with a retry or timer due very soon, wait
   * for it here; otherwise end the run saying what the request waits for.
   */
  async #idle(decision: Idle, now: number): Promise<Next> {
    const flushed = await this.#flushHeld();
    if (flushed) return flushed;
    const wakeAt = earliest(decision.busyUntil, decision.retry?.retryAt, decision.timerAt);
    // Steps keep this invocation alive anyway: wake for the next timer or retry while they run.
    if (this.#inFlight.size > 0)
      return this.#awaitInFlight(earliest(decision.retry?.retryAt, decision.timerAt));
    const shortWait = this.#shortWait(decision, now);
    if (shortWait !== undefined) {
      this.#waitedFor = shortWait;
      await this.#sleep(shortWait - now);
      return AGAIN;
    }
    return stop(idleOutcome(decision, wakeAt, this.#log.state.snapshot.value));
  }

  /** The due time to wait for in-process, if the next thing is ours, soon, and within budget. */
  #shortWait(decision: Idle, now: number): number | undefined {
    if (decision.busyUntil !== undefined) return undefined;
    const dueAt = earliest(decision.retry?.retryAt, decision.timerAt);
    if (dueAt === undefined || dueAt === this.#waitedFor) return undefined;
    const wait = dueAt - now;
    const fits = this.#deps.remainingTimeMs() - wait >= 2 * this.#margin;
    return wait <= (this.#deps.shortWaitMaxMs ?? 0) && fits ? dueAt : undefined;
  }

  /** Stores held outcomes now (nothing rides with them); a stop or a conflict ends the step. */
  async #flushHeld(): Promise<Next | undefined> {
    if (!this.#log.hasHeld) return undefined;
    const committed = await this.#log.commit();
    return committed.kind === 'committed' ? undefined : this.#then(committed, () => AGAIN);
  }

  /**
   * Takes the leases on every due step in one append (or suspends when too
   * little time is left to run one), starts their attempts, and goes on.
   */
  async #start(starts: readonly StepStart[], now: number): Promise<Next> {
    const remaining = this.#deps.remainingTimeMs();
    if (remaining < 2 * this.#margin) {
      if (this.#inFlight.size > 0) return this.#awaitInFlight(undefined);
      const suspended = this.#log.event('request.suspended', { reason: 'timeout' });
      return this.#then(await this.#log.commit([suspended]), () => stop({ kind: 'suspended' }));
    }
    const due = starts.filter((start) => !this.#inFlight.has(start.invocation.stepId));
    const gated = await this.#gate.gate(due, this.#inFlight.size, now + remaining);
    if (gated.kind === 'queued') return this.#queued(gated);
    const fresh = gated.allowed;
    const events = [
      ...gated.deferred,
      ...fresh.map((start) => this.#startedEvent(start, now + remaining)),
    ];
    const started = await this.#log.commit(events);
    if (started.kind === 'stopped') return stop(lostOutcome(started.reason));
    if (started.kind === 'conflict') {
      return this.#inFlight.size > 0 ? AGAIN : this.#afterLostStart(fresh);
    }
    this.#launch(fresh);
    return AGAIN;
  }

  /** No slot is free: record the place in line (when it is news) and stop until woken. */
  async #queued(gated: Extract<Gated, { kind: 'queued' }>): Promise<Next> {
    const queued = {
      kind: 'queued',
      position: gated.position,
      recheckAt: gated.recheckAt,
    } as const;
    if (gated.events.length === 0) return stop(queued);
    return this.#then(await this.#log.commit(gated.events), () => stop(queued));
  }

  /** Starts the attempts whose `step.started` events are the last ones folded. */
  #launch(starts: readonly StepStart[]): void {
    const firstSeq = this.#log.state.version - starts.length + 1;
    starts.forEach((start, index) => {
      const stepId = start.invocation.stepId;
      const held = this.#log.state.steps.get(stepId);
      if (!held) return;
      const lease: Lease = { stepId, startedSeq: firstSeq + index };
      this.#stepsRun += 1;
      const running = held.child
        ? startChildAttempt(this.#childDeps(), { ...held, child: held.child }, start.attempt, lease)
        : startAttempt(this.#attemptDeps(), held, start.attempt, lease);
      this.#inFlight.set(stepId, running);
    });
  }

  /** The lease lasts as long as this invocation's budget: after that, another runner may take over. */
  #startedEvent(start: StepStart, leaseUntil: number) {
    const data: LifecycleEventData['step.started'] = {
      stepId: start.invocation.stepId,
      attempt: start.attempt,
      leaseUntil,
      ...(start.resumed ? { resumed: true } : {}),
      ...(start.probe ? { probe: true } : {}),
    };
    return this.#log.event('step.started', data);
  }

  /** Someone else appended first: on the fresh log the steps are usually theirs now. */
  #afterLostStart(starts: readonly StepStart[]): Next {
    const again = decide(this.#log.state, this.#deps.clock());
    if (again.kind === 'idle' && again.busyUntil !== undefined) {
      return stop({ kind: 'lost_race', retryAt: again.busyUntil });
    }
    const ids = new Set(starts.map((start) => start.invocation.stepId));
    if (again.kind === 'start' && again.starts.some((start) => ids.has(start.invocation.stepId))) {
      return stop({ kind: 'lost_race' });
    }
    return AGAIN;
  }

  /** Waits for the first attempt in flight to settle (or for `wakeAt`), then acts on it. */
  async #awaitInFlight(wakeAt: number | undefined): Promise<Next> {
    const settled = [...this.#inFlight.values()].map((running) =>
      running.done.then((result) => ({ running, result })),
    );
    const timer =
      wakeAt === undefined ? undefined : this.#cancellableSleep(wakeAt - this.#deps.clock());
    const first = await Promise.race(timer ? [...settled, timer.done] : settled);
    timer?.cancel();
    if (!first) return AGAIN;
    this.#inFlight.delete(first.running.lease.stepId);
    return this.#afterAttempt(first.result, first.running);
  }

  async #afterAttempt(result: AttemptResult, running: RunningAttempt): Promise<Next> {
    const { lease, attempt } = running;
    await this.#gate.settled(lease.stepId, result);
    switch (result.kind) {
      case 'cancelled':
        return stop({ kind: 'cancelled' });
      case 'lost':
        return stop({ kind: 'lost_race' });
      case 'completed':
        this.#log.hold(this.#outcomeEvents(result, lease), lease);
        return AGAIN;
      case 'failed':
        this.#log.hold(this.#failureEvents(result, lease, attempt), lease);
        return AGAIN;
      case 'handed_off':
        return AGAIN;
      case 'timed_out':
        return this.#suspendStep(result, lease);
    }
  }

  /**
   * The budget ran out mid-step: its suspension goes through the same commit
   * as any outcome, once every attempt in flight has stopped too.
   */
  async #suspendStep(result: AttemptResult & { kind: 'timed_out' }, lease: Lease): Promise<Next> {
    const suspended = this.#log.event('request.suspended', {
      stepId: lease.stepId,
      reason: 'timeout',
    });
    this.#log.hold([...this.#progressEvents(result, lease), suspended], lease);
    if (this.#inFlight.size > 0) return AGAIN;
    const committed = await this.#log.commit();
    if (committed.kind === 'committed') return stop({ kind: 'suspended', stepId: lease.stepId });
    return stop(
      committed.kind === 'stopped' ? lostOutcome(committed.reason) : { kind: 'lost_race' },
    );
  }

  #outcomeEvents(result: AttemptResult & { kind: 'completed' }, lease: Lease) {
    const completed = this.#log.event('step.completed', {
      stepId: lease.stepId,
      output: toJson(result.output),
    });
    return [...this.#progressEvents(result, lease), completed];
  }

  #failureEvents(result: AttemptResult & { kind: 'failed' }, lease: Lease, attempt: number) {
    const state = this.#log.state;
    const error = toRecordedError(result.error);
    const retryAt = result.final
      ? undefined
      : nextAttemptAt({
          policy: state.workflow.retry,
          maxAttempts: state.maxAttempts,
          error,
          attempt,
          now: this.#deps.clock(),
          jitterKey: `${this.#deps.requestKey}/${lease.stepId}/${state.epoch}`,
        });
    this.#logger.warn('step failed', {
      requestKey: this.#deps.requestKey,
      stepId: lease.stepId,
      attempt,
      error,
      retryAt,
    });
    const failed = this.#log.event('step.failed', {
      stepId: lease.stepId,
      attempt,
      error,
      ...(retryAt !== undefined ? { retryAt } : {}),
    });
    return [...this.#progressEvents(result, lease), failed];
  }

  #progressEvents(result: { readonly progress?: ProgressUpdate }, lease: Lease) {
    return result.progress ? [progressEvent(this.#log, lease, result.progress)] : [];
  }

  /**
   * Sends the dead letter, then records it: a crash in between re-sends the
   * same `messageId` (de-duplicable) instead of recording a message that was
   * never sent.
   */
  async #deadLetter(): Promise<Next> {
    const state = this.#log.state;
    const failure = state.failure;
    if (!failure) return AGAIN;
    const message = deadLetterMessageOf(
      { ...state, workflowVersion: state.workflow.version },
      failure,
    );
    await this.#deps.deadLetterSink.send(message);
    const committed = await this.#log.commit([
      this.#log.event('request.dead_lettered', {
        attempts: message.attempts,
        errors: message.errors,
        messageId: message.messageId,
      }),
    ]);
    if (committed.kind !== 'committed' && !this.#log.state.deadLettered) {
      return this.#then(committed, () => AGAIN);
    }
    this.#logger.error('request dead-lettered', {
      requestKey: state.requestKey,
      action: state.action,
      attempts: message.attempts,
    });
    return stop({ kind: 'dead_lettered', error: failure.error, messageId: message.messageId });
  }

  /** Continues with `next` after a committed append; decides again after a conflict. */
  #then(result: CommitResult, next: () => Next): Next {
    if (result.kind === 'committed') return next();
    if (result.kind === 'conflict') return AGAIN;
    return stop(lostOutcome(result.reason));
  }

  /** Stops the attempts whose step is no longer this runner's (the machine left its state). */
  #releaseLostLeases(): void {
    for (const [stepId, attempt] of this.#inFlight) {
      if (this.#log.holds(attempt.lease)) continue;
      this.#inFlight.delete(stepId);
      attempt.stop('lost');
      this.#released.push(attempt);
    }
  }

  /** When the run ends with attempts still in flight (the request ended): stop them and let them settle. */
  async #stopInFlight(): Promise<void> {
    const reason = this.#log.state.terminal?.type === 'request.cancelled' ? 'cancelled' : 'lost';
    const running = [...this.#inFlight.values(), ...this.#released];
    this.#inFlight.clear();
    for (const attempt of running) attempt.stop(reason);
    await Promise.all(running.map((attempt) => attempt.done.catch(() => undefined)));
  }

  #sleep(ms: number): Promise<void> {
    return this.#cancellableSleep(ms).done;
  }

  #cancellableSleep(ms: number): { done: Promise<undefined>; cancel(): void } {
    let handle: unknown;
    const done = new Promise<undefined>((resolve) => {
      handle = this.#timers.setTimeout(() => resolve(undefined), Math.max(0, ms));
    });
    return { done, cancel: () => this.#timers.clearTimeout(handle) };
  }

  #childDeps() {
    const { store, registry, clock } = this.#deps;
    return { log: this.#log, store, registry, clock };
  }

  #attemptDeps() {
    return {
      log: this.#log,
      clock: this.#deps.clock,
      remainingTimeMs: this.#deps.remainingTimeMs,
      timers: this.#timers,
      marginMs: this.#margin,
      logger: this.#logger,
      ...(this.#deps.progressIntervalMs !== undefined
        ? { progressIntervalMs: this.#deps.progressIntervalMs }
        : {}),
    };
  }
}

/**
 * What an idle request waits for, in order: another runner's lease (woken
 * at the earliest due time, in case it crashed); else whichever of a retry
 * and a timer comes first; else an external event.
 */
function idleOutcome(decision: Idle, wakeAt: number | undefined, state: StateValue): Ended {
  if (decision.busyUntil !== undefined) return { kind: 'lost_race', retryAt: wakeAt as number };
  const { retry, timerAt } = decision;
  if (retry && (timerAt === undefined || retry.retryAt <= timerAt)) {
    return { kind: 'retry_scheduled', stepId: retry.stepId, retryAt: retry.retryAt };
  }
  if (timerAt !== undefined) return { kind: 'timer_scheduled', fireAt: timerAt, state };
  return { kind: 'waiting_for_signal', state };
}

/** Whether a run that ended so gives its concurrency slot back: always once ended, when idle, never while busy. */
function slotEndOf(outcome: Ended): SlotEnd {
  switch (outcome.kind) {
    case 'completed':
    case 'failed':
    case 'dead_lettered':
    case 'cancelled':
      return 'ended';
    case 'nothing_to_do':
      return outcome.reason === 'finished' ? 'ended' : 'keep';
    case 'waiting_for_signal':
    case 'timer_scheduled':
    case 'retry_scheduled':
      return 'idle';
    default:
      return 'keep';
  }
}

function earliest(...times: (number | undefined)[]): number | undefined {
  const known = times.filter((time): time is number => time !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
