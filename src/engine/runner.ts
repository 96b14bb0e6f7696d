import type { StateValue } from 'xstate';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';
import { type DeadLetterSink, deadLetterMessageOf } from './deadLetter';
import { type Decision, decide } from './decide';
import { type EngineLogger, silentLogger } from './logger';
import { globalTimers, type ProgressUpdate, type Timers } from './progressReporter';
import { toJson, toRecordedError } from './recordedError';
import type { WorkflowRegistry } from './registry';
import type { RequestState } from './replay';
import { nextAttemptAt } from './retry';
import { type CommitResult, type Lease, type LostReason, RunLog } from './runLog';
import { type AttemptResult, progressEvent, runAttempt } from './stepAttempt';

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
  /** @internal Timers for the step deadline and progress batching. */
  readonly timers?: Timers;
  /**
   * @internal Told the runner's own folded state when a run stops, so a test
   * can compare it with a fresh fold of the log (invariant 3).
   */
  readonly onFinish?: (state: RequestState) => void;
}

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
  /** A step failed and will be tried again at `retryAt` (epoch ms): wake the request then. */
  | { readonly kind: 'retry_scheduled'; readonly stepId: string; readonly retryAt: number }
  /**
   * Another runner holds the step (or won the append). When `retryAt` is set,
   * its lease ends then: wake the request at that time in case it crashed.
   */
  | { readonly kind: 'lost_race'; readonly retryAt?: number }
  /** The log is empty or the request already ended. */
  | { readonly kind: 'nothing_to_do'; readonly reason: 'not_found' | 'finished' }
) & {
  /** Step attempts this run started. */
  readonly stepsRun: number;
};

/**
 * When the request must be looked at again although no new event will
 * announce it: a retry's backoff, or the lease of a runner that may have
 * crashed. Undefined when its own events (or a client's) will wake it.
 *
 * @example
 * const dueAt = wakeUpAt(await runRequest(deps));
 * if (dueAt !== undefined) await wakeUps.schedule({ requestKey, dueAt });
 */
export function wakeUpAt(outcome: RunOutcome): number | undefined {
  if (outcome.kind === 'retry_scheduled') return outcome.retryAt;
  if (outcome.kind === 'lost_race') return outcome.retryAt;
  return undefined;
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

/**
 * Runs a request as far as it can go now: reads the log, replays it, and
 * runs the steps that are due, one after another, while the time budget
 * allows. The conditional append of `step.started` is the lease: a runner
 * that loses it returns `lost_race` without running the step. A step's
 * outcome and the next step's start (or the request's end) go in one append.
 * Safe to call any number of times, concurrently, for the same request.
 *
 * @example
 * const outcome = await runRequest({
 *   store, registry, requestKey, clock: Date.now, deadLetterSink,
 *   remainingTimeMs: () => context.getRemainingTimeInMillis(),
 * });
 * if (outcome.kind === 'retry_scheduled') await scheduleWakeUp(requestKey, outcome.retryAt);
 */
export async function runRequest(deps: RunRequestDeps): Promise<RunOutcome> {
  const log = await RunLog.open(deps);
  if (!log) return { kind: 'nothing_to_do', reason: 'not_found', stepsRun: 0 };
  return new Runner(deps, log).run();
}

/** One run of one request: a loop of decide, then act on the decision. */
class Runner {
  readonly #deps: RunRequestDeps;
  readonly #log: RunLog;
  readonly #logger: EngineLogger;
  readonly #margin: number;
  readonly #timers: Timers;
  #stepsRun = 0;

  constructor(deps: RunRequestDeps, log: RunLog) {
    this.#deps = deps;
    this.#log = log;
    this.#logger = deps.logger ?? silentLogger;
    this.#margin = deps.safetyMarginMs ?? 1_000;
    this.#timers = deps.timers ?? globalTimers;
  }

  async run(): Promise<RunOutcome> {
    for (;;) {
      const now = this.#deps.clock();
      const next = await this.#act(decide(this.#log.view(), now), now);
      if (next.kind === 'stop') {
        this.#deps.onFinish?.(this.#log.state);
        return { ...next.outcome, stepsRun: this.#stepsRun } as RunOutcome;
      }
    }
  }

  /** One small handler per kind of decision. */
  #act(decision: Decision, now: number): Promise<Next> {
    switch (decision.kind) {
      case 'finished':
        return Promise.resolve(stop({ kind: 'nothing_to_do', reason: 'finished' }));
      case 'dead_letter':
        return this.#deadLetter();
      case 'complete':
        return this.#complete(decision.output);
      case 'fail':
        return this.#fail(decision);
      case 'waiting':
      case 'retry':
      case 'busy':
        return this.#pause(decision);
      case 'start':
        return this.#start(decision, now);
    }
  }

  async #complete(output: unknown): Promise<Next> {
    const committed = await this.#log.commit([this.#log.event('request.completed', { output })]);
    return this.#then(committed, () => stop({ kind: 'completed', output }));
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
    return this.#then(committed, () =>
      decision.exhausted ? AGAIN : stop({ kind: 'failed', error: decision.error }),
    );
  }

  /** Nothing to run now: store a finished step's pending outcome, then say what we wait for. */
  async #pause(decision: Extract<Decision, { kind: 'waiting' | 'retry' | 'busy' }>): Promise<Next> {
    const paused = (): Next => {
      if (decision.kind === 'waiting') {
        return stop({ kind: 'waiting_for_signal', state: this.#log.state.snapshot.value });
      }
      if (decision.kind === 'retry') {
        return stop({
          kind: 'retry_scheduled',
          stepId: decision.stepId,
          retryAt: decision.retryAt,
        });
      }
      return stop({ kind: 'lost_race', retryAt: decision.leaseUntil });
    };
    if (!this.#log.hasPending) return paused();
    return this.#then(await this.#log.commit(), paused);
  }

  /**
   * Takes the lease on a due step (or suspends when too little time is left
   * to run one), runs one attempt, and holds its outcome for the next append.
   */
  async #start(decision: Extract<Decision, { kind: 'start' }>, now: number): Promise<Next> {
    const remaining = this.#deps.remainingTimeMs();
    if (remaining < 2 * this.#margin) {
      const suspended = this.#log.event('request.suspended', { reason: 'timeout' });
      return this.#then(await this.#log.commit([suspended]), () => stop({ kind: 'suspended' }));
    }
    const { invocation } = decision;
    const started = await this.#log.commit([this.#startedEvent(decision, now + remaining)]);
    if (started.kind === 'stopped') return stop(lostOutcome(started.reason));
    if (started.kind === 'conflict') return this.#afterLostStart(invocation.stepId);
    this.#stepsRun += 1;
    const lease: Lease = { stepId: invocation.stepId, startedSeq: this.#log.state.version };
    const held = this.#log.state.steps.get(invocation.stepId);
    if (!held) return AGAIN;
    const result = await runAttempt(this.#attemptDeps(), held, decision.attempt, lease);
    return this.#afterAttempt(result, lease, decision.attempt);
  }

  /** The lease lasts as long as this invocation's budget: after that, another runner may take over. */
  #startedEvent(decision: Extract<Decision, { kind: 'start' }>, leaseUntil: number) {
    const data: LifecycleEventData['step.started'] = {
      stepId: decision.invocation.stepId,
      attempt: decision.attempt,
      leaseUntil,
      ...(decision.resumed ? { resumed: true } : {}),
    };
    return this.#log.event('step.started', data);
  }

  /** Someone else appended first: on the fresh log the step is usually theirs now. */
  #afterLostStart(stepId: string): Next {
    const again = decide(this.#log.state, this.#deps.clock());
    if (again.kind === 'busy') return stop({ kind: 'lost_race', retryAt: again.leaseUntil });
    if (again.kind === 'start' && again.invocation.stepId === stepId) {
      return stop({ kind: 'lost_race' });
    }
    return AGAIN;
  }

  async #afterAttempt(result: AttemptResult, lease: Lease, attempt: number): Promise<Next> {
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
      case 'timed_out':
        return this.#suspendStep(result, lease);
    }
  }

  /** The budget ran out mid-step: its suspension goes through the same commit as any outcome. */
  async #suspendStep(result: AttemptResult & { kind: 'timed_out' }, lease: Lease): Promise<Next> {
    const suspended = this.#log.event('request.suspended', {
      stepId: lease.stepId,
      reason: 'timeout',
    });
    this.#log.hold([...this.#progressEvents(result, lease), suspended], lease);
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
    const retryAt = nextAttemptAt({
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
    const message = deadLetterMessageOf(state, failure);
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
