import type { StateValue } from 'xstate';
import { VersionConflictError } from '../events/errors';
import { EVENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData, LifecycleEventType, RecordedError } from '../events/lifecycle';
import { type DeadLetterSink, deadLetterMessageOf } from './deadLetter';
import { RequestNotFoundError, StepAbortedError } from './errors';
import { type EngineLogger, silentLogger } from './logger';
import {
  createProgressBatcher,
  globalTimers,
  type ProgressUpdate,
  type Timers,
} from './progressReporter';
import { toJson, toRecordedError } from './recordedError';
import type { WorkflowRegistry } from './registry';
import { applyEvent, cloneState, type RequestState, replay, type StepInvocation } from './replay';
import { retryDelayMs } from './retry';
import { type StepContext, stepFunctionOf } from './step';
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
  /** @internal Timers for the step deadline and progress batching. */
  readonly timers?: Timers;
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

type Decision =
  | { kind: 'finished' }
  | { kind: 'dead_letter' }
  | { kind: 'complete'; output: unknown }
  | { kind: 'fail'; error: RecordedError; exhausted: boolean; stepId?: string; attempts: number }
  | { kind: 'start'; invocation: StepInvocation; attempt: number; resumed: boolean }
  | { kind: 'busy'; leaseUntil: number }
  | { kind: 'retry'; stepId: string; retryAt: number }
  | { kind: 'waiting' };

/**
 * Decides the next thing to do for a folded request. Pure.
 * @internal
 */
export function decide(state: RequestState, now: number): Decision {
  if (state.terminal) {
    const failure = state.failure;
    if (state.terminal.type === 'request.failed' && failure?.exhausted && !state.deadLettered) {
      return { kind: 'dead_letter' };
    }
    return { kind: 'finished' };
  }
  const snapshot = state.snapshot;
  if (snapshot.status === 'done') return { kind: 'complete', output: toJson(snapshot.output) };
  if (snapshot.status === 'error') {
    const stepError = state.lastStepError;
    if (stepError && snapshot.error === stepError.error) {
      return {
        kind: 'fail',
        error: stepError.error,
        exhausted: stepError.error.retryable,
        stepId: stepError.stepId,
        attempts: stepError.attempt,
      };
    }
    return {
      kind: 'fail',
      error: { ...toRecordedError(snapshot.error), retryable: false },
      exhausted: false,
      attempts: 0,
    };
  }
  let busyUntil: number | undefined;
  let retry: { stepId: string; retryAt: number } | undefined;
  for (const invocation of state.steps.values()) {
    switch (invocation.status) {
      case 'pending':
        return { kind: 'start', invocation, attempt: 1, resumed: false };
      case 'suspended':
        return { kind: 'start', invocation, attempt: invocation.attempt, resumed: true };
      case 'retry_wait': {
        const retryAt = invocation.retryAt ?? now;
        if (retryAt <= now)
          return { kind: 'start', invocation, attempt: invocation.attempt + 1, resumed: false };
        if (!retry || retryAt < retry.retryAt) retry = { stepId: invocation.stepId, retryAt };
        break;
      }
      case 'running': {
        const leaseUntil = invocation.leaseUntil ?? now;
        if (leaseUntil <= now)
          return { kind: 'start', invocation, attempt: invocation.attempt, resumed: true };
        busyUntil = Math.min(busyUntil ?? leaseUntil, leaseUntil);
        break;
      }
    }
  }
  if (busyUntil !== undefined) return { kind: 'busy', leaseUntil: busyUntil };
  if (retry) return { kind: 'retry', ...retry };
  return { kind: 'waiting' };
}

type StepResult =
  | { kind: 'outcome'; events: NewEvent[] }
  | { kind: 'suspended' }
  | { kind: 'cancelled' }
  | { kind: 'lost' };

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
  return new Runner(deps).run();
}

class Runner {
  readonly #deps: RunRequestDeps;
  readonly #logger: EngineLogger;
  readonly #margin: number;
  readonly #timers: Timers;
  #base!: RequestState;
  /** Outcome events not yet appended (they ride with the next append). */
  #carry: NewEvent[] = [];
  /** The lease the carry belongs to. */
  #carryLease: { stepId: string; startedSeq: number } | undefined;
  #stepsRun = 0;

  constructor(deps: RunRequestDeps) {
    this.#deps = deps;
    this.#logger = deps.logger ?? silentLogger;
    this.#margin = deps.safetyMarginMs ?? 1_000;
    this.#timers = deps.timers ?? globalTimers;
  }

  async run(): Promise<RunOutcome> {
    const events = await this.#deps.store.read(this.#deps.requestKey);
    if (events.length === 0) return this.#out({ kind: 'nothing_to_do', reason: 'not_found' });
    try {
      this.#base = folding(() => replay(this.#deps.registry, events));
      return await this.#loop();
    } catch (error) {
      if (!(error instanceof FoldError)) throw error;
      if (error.cause instanceof RequestNotFoundError) {
        return this.#out({ kind: 'nothing_to_do', reason: 'not_found' });
      }
      return this.#out(await this.#endUnrunnable(error.cause));
    }
  }

  /**
   * The log cannot be folded by the registered workflows (the fold is pure,
   * so it would fail on every delivery): keep what the step just produced,
   * then end the request from its raw log.
   */
  async #endUnrunnable(cause: unknown): Promise<DistributiveOmit<RunOutcome, 'stepsRun'>> {
    if (this.#carry.length > 0) {
      try {
        await this.#deps.store.append(this.#deps.requestKey, this.#base.version, this.#carry);
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
      }
      this.#carry = [];
    }
    const events = await this.#deps.store.read(this.#deps.requestKey);
    return settleUnrunnable({ ...this.#deps, logger: this.#logger }, events, cause);
  }

  async #loop(): Promise<RunOutcome> {
    for (;;) {
      const view = this.#carry.length > 0 ? this.#speculate() : this.#base;
      const now = this.#deps.clock();
      const decision = decide(view, now);
      switch (decision.kind) {
        case 'finished':
          return this.#out({ kind: 'nothing_to_do', reason: 'finished' });
        case 'dead_letter': {
          const outcome = await this.#deadLetter();
          if (outcome) return outcome;
          continue;
        }
        case 'complete': {
          const committed = await this.#commit([
            this.#event('request.completed', { output: decision.output }),
          ]);
          if (committed === true) return this.#out({ kind: 'completed', output: decision.output });
          if (committed) return committed;
          continue;
        }
        case 'fail': {
          const data: LifecycleEventData['request.failed'] = {
            error: decision.error,
            attempts: decision.attempts,
            ...(decision.exhausted ? { exhausted: true } : {}),
            ...(decision.stepId ? { stepId: decision.stepId } : {}),
          };
          const committed = await this.#commit([this.#event('request.failed', data)]);
          if (committed === true) {
            if (decision.exhausted) continue;
            return this.#out({ kind: 'failed', error: decision.error });
          }
          if (committed) return committed;
          continue;
        }
        case 'waiting':
        case 'retry':
        case 'busy': {
          if (this.#carry.length > 0) {
            const committed = await this.#commit([]);
            if (committed !== true) {
              if (committed) return committed;
              continue;
            }
          }
          if (decision.kind === 'waiting') {
            return this.#out({ kind: 'waiting_for_signal', state: this.#base.snapshot.value });
          }
          if (decision.kind === 'retry') {
            return this.#out({
              kind: 'retry_scheduled',
              stepId: decision.stepId,
              retryAt: decision.retryAt,
            });
          }
          return this.#out({ kind: 'lost_race', retryAt: decision.leaseUntil });
        }
        case 'start': {
          const remaining = this.#deps.remainingTimeMs();
          if (remaining < 2 * this.#margin) {
            const committed = await this.#commit([
              this.#event('request.suspended', { reason: 'timeout' }),
            ]);
            if (committed === true) return this.#out({ kind: 'suspended' });
            if (committed) return committed;
            continue;
          }
          const { invocation, attempt, resumed } = decision;
          const started: LifecycleEventData['step.started'] = {
            stepId: invocation.stepId,
            attempt,
            leaseUntil: now + remaining,
            ...(resumed ? { resumed: true } : {}),
          };
          const committed = await this.#commit([this.#event('step.started', started)]);
          if (committed !== true) {
            if (committed) return committed;
            // Someone else appended first: decide again on the fresh log (usually `busy`).
            const again = decide(this.#base, this.#deps.clock());
            if (again.kind === 'busy')
              return this.#out({ kind: 'lost_race', retryAt: again.leaseUntil });
            if (again.kind === 'start' && again.invocation.stepId === invocation.stepId) {
              return this.#out({ kind: 'lost_race' });
            }
            continue;
          }
          this.#stepsRun += 1;
          const lease = { stepId: invocation.stepId, startedSeq: this.#base.version };
          const held = this.#base.steps.get(invocation.stepId);
          if (!held) continue;
          const result = await this.#execute(held, attempt, lease);
          if (result.kind === 'outcome') {
            this.#carry = result.events;
            this.#carryLease = lease;
            continue;
          }
          if (result.kind === 'suspended')
            return this.#out({ kind: 'suspended', stepId: invocation.stepId });
          if (result.kind === 'cancelled') return this.#out({ kind: 'cancelled' });
          return this.#out({ kind: 'lost_race' });
        }
      }
    }
  }

  #out(outcome: DistributiveOmit<RunOutcome, 'stepsRun'>): RunOutcome {
    return { ...outcome, stepsRun: this.#stepsRun } as RunOutcome;
  }

  #event<T extends LifecycleEventType>(
    type: T,
    data: LifecycleEventData[T],
  ): NewEvent<T, LifecycleEventData[T]> {
    return {
      type,
      at: this.#deps.clock(),
      tenantId: this.#base.tenantId,
      userId: this.#base.userId,
      data,
    };
  }

  /** The base with the carry folded in; kept so a successful commit adopts it instead of folding twice. */
  #spec: { state: RequestState; carry: NewEvent[] } | undefined;

  #speculate(): RequestState {
    if (this.#spec?.carry === this.#carry) return this.#spec.state;
    const copy = cloneState(this.#base);
    let seq = copy.version;
    folding(() => {
      for (const event of this.#carry) applyEvent(copy, this.#stored(event, ++seq));
    });
    this.#spec = { state: copy, carry: this.#carry };
    return copy;
  }

  #stored(event: NewEvent, seq: number): StoredEvent {
    return {
      ...event,
      requestKey: this.#deps.requestKey,
      seq,
      schemaVersion: event.schemaVersion ?? EVENT_SCHEMA_VERSION,
    };
  }

  /**
   * Appends the carry plus `events` at the folded version. Returns true when
   * stored; on a conflict it re-reads the log and returns undefined (decide
   * again) or the outcome to stop with when the carry's lease is gone.
   */
  async #commit(events: NewEvent[]): Promise<true | RunOutcome | undefined> {
    const all = [...this.#carry, ...events];
    try {
      await this.#deps.store.append(this.#deps.requestKey, this.#base.version, all);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      await this.#reload();
      if (this.#carry.length === 0) return undefined;
      if (this.#holds(this.#carryLease)) return undefined;
      this.#carry = [];
      return this.#base.terminal?.type === 'request.cancelled'
        ? this.#out({ kind: 'cancelled' })
        : this.#out({ kind: 'lost_race' });
    }
    let seq = this.#base.version;
    let rest: NewEvent[] = all;
    if (this.#carry.length > 0 && this.#spec?.carry === this.#carry) {
      this.#base = this.#spec.state;
      seq += this.#carry.length;
      rest = events;
    }
    folding(() => {
      for (const event of rest) applyEvent(this.#base, this.#stored(event, ++seq));
    });
    this.#carry = [];
    this.#carryLease = undefined;
    this.#spec = undefined;
    return true;
  }

  async #reload(): Promise<void> {
    this.#spec = undefined;
    const events = await this.#deps.store.read(this.#deps.requestKey);
    this.#base = folding(() => replay(this.#deps.registry, events));
  }

  #holds(lease: { stepId: string; startedSeq: number } | undefined): boolean {
    if (!lease || this.#base.terminal) return false;
    const invocation = this.#base.steps.get(lease.stepId);
    return invocation?.status === 'running' && invocation.startedSeq === lease.startedSeq;
  }

  async #deadLetter(): Promise<RunOutcome | undefined> {
    const state = this.#base;
    const failure = state.failure;
    if (!failure) return undefined;
    const message = deadLetterMessageOf(
      {
        requestKey: state.requestKey,
        tenantId: state.tenantId,
        userId: state.userId,
        requestId: state.requestId,
        action: state.action,
        workflowVersion: state.workflow.version,
      },
      failure,
    );
    // Send first, then record: a crash in between re-sends the same messageId
    // (de-duplicable) instead of recording a message that was never sent.
    await this.#deps.deadLetterSink.send(message);
    const committed = await this.#commit([
      this.#event('request.dead_lettered', {
        attempts: failure.attempts,
        errors: failure.errors,
        messageId: message.messageId,
      }),
    ]);
    if (committed === true || this.#base.deadLettered) {
      this.#logger.error('request dead-lettered', {
        requestKey: state.requestKey,
        action: state.action,
        attempts: failure.attempts,
      });
      return this.#out({
        kind: 'dead_lettered',
        error: failure.error,
        messageId: message.messageId,
      });
    }
    return committed;
  }

  /** Runs one attempt of a step whose lease this runner holds. */
  async #execute(
    invocation: StepInvocation,
    attempt: number,
    lease: { stepId: string; startedSeq: number },
  ): Promise<StepResult> {
    const fn = stepFunctionOf((invocation.actorRef as unknown as { logic: unknown }).logic);
    if (!fn) throw new Error(`Step ${invocation.stepId} has no function`);
    const deps = this.#deps;
    const controller = new AbortController();
    let abortReason: 'timeout' | 'cancelled' | 'lost' | undefined;
    const abort = (reason: 'timeout' | 'cancelled' | 'lost'): void => {
      if (abortReason) return;
      abortReason = reason;
      controller.abort(new StepAbortedError(reason));
    };
    let closed = false;
    let chain: Promise<unknown> = Promise.resolve();
    // Writes made while the step runs, one at a time, at the folded version.
    const enqueue = (events: NewEvent[]): Promise<void> => {
      const write = chain.then(async () => {
        if (closed || abortReason) throw new StepAbortedError(abortReason ?? 'lost');
        for (let tries = 0; tries < 3; tries++) {
          try {
            await deps.store.append(deps.requestKey, this.#base.version, events);
            let seq = this.#base.version;
            for (const event of events) applyEvent(this.#base, this.#stored(event, ++seq));
            return;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            await this.#reload();
            if (!this.#holds(lease)) {
              abort(this.#base.terminal?.type === 'request.cancelled' ? 'cancelled' : 'lost');
              throw new StepAbortedError(abortReason ?? 'lost');
            }
          }
        }
        throw new StepAbortedError('lost');
      });
      chain = write.catch(() => {});
      return write;
    };
    const progressEvent = (update: ProgressUpdate): NewEvent =>
      this.#event('step.progress', { stepId: invocation.stepId, ...toJson(update) });
    const batcher = createProgressBatcher({
      clock: deps.clock,
      floor: this.#base.progress,
      timers: this.#timers,
      ...(deps.progressIntervalMs !== undefined ? { intervalMs: deps.progressIntervalMs } : {}),
      emit: (update) => {
        enqueue([progressEvent(update)]).catch((error: unknown) => {
          if (!(error instanceof StepAbortedError))
            this.#logger.warn('progress not recorded', { error: String(error) });
        });
      },
    });
    const context: StepContext = {
      input: this.#base.input,
      stepInput: invocation.stepInput,
      stepId: invocation.stepId,
      requestId: this.#base.requestId,
      tenantId: this.#base.tenantId,
      checkpoint: invocation.hasCheckpoint ? invocation.checkpoint : undefined,
      saveCheckpoint: (checkpoint) =>
        enqueue([
          this.#event('step.checkpointed', {
            stepId: invocation.stepId,
            checkpoint: toJson(checkpoint),
          }),
        ]),
      progress: {
        report: (percentage, message, metadata) =>
          !closed && batcher.report(percentage, message, metadata),
      },
      signal: controller.signal,
      attempt,
      logger: this.#logger,
      now: deps.clock,
    };

    const deadline = this.#timers.setTimeout(
      () => abort('timeout'),
      Math.max(0, deps.remainingTimeMs() - this.#margin),
    );
    type Settled =
      | { ok: true; value: unknown }
      | { ok: false; error: unknown }
      | { ok: 'unsettled' };
    const settled: Promise<Settled> = Promise.resolve()
      .then(() => fn(context))
      .then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
    const aborted = new Promise<Settled>((resolve) => {
      controller.signal.addEventListener('abort', () => {
        // Give the step half the margin to stop on its own, then move on without it.
        this.#timers.setTimeout(() => resolve({ ok: 'unsettled' }), this.#margin / 2);
      });
    });
    const result = await Promise.race([settled, aborted]);
    this.#timers.clearTimeout(deadline);
    closed = true;
    const pending = batcher.take();
    await chain;

    if (abortReason === 'cancelled') return { kind: 'cancelled' };
    if (abortReason === 'lost') return { kind: 'lost' };
    const progress = pending ? [progressEvent(pending)] : [];
    if (result.ok === true) {
      return {
        kind: 'outcome',
        events: [
          ...progress,
          this.#event('step.completed', {
            stepId: invocation.stepId,
            output: toJson(result.value),
          }),
        ],
      };
    }
    if (abortReason === 'timeout') {
      this.#carry = [
        ...progress,
        this.#event('request.suspended', { stepId: invocation.stepId, reason: 'timeout' }),
      ];
      this.#carryLease = lease;
      const committed = await this.#commit([]);
      if (committed === true) return { kind: 'suspended' };
      if (committed?.kind === 'cancelled') return { kind: 'cancelled' };
      return { kind: 'lost' };
    }
    const error = toRecordedError(result.ok === false ? result.error : undefined);
    const retry = error.retryable && attempt < this.#base.maxAttempts;
    const retryAt = retry
      ? deps.clock() +
        retryDelayMs(
          this.#base.workflow.retry,
          attempt,
          `${deps.requestKey}/${invocation.stepId}/${this.#base.epoch}`,
        )
      : undefined;
    this.#logger.warn('step failed', {
      requestKey: deps.requestKey,
      stepId: invocation.stepId,
      attempt,
      error,
      retryAt,
    });
    return {
      kind: 'outcome',
      events: [
        ...progress,
        this.#event('step.failed', {
          stepId: invocation.stepId,
          attempt,
          error,
          ...(retryAt !== undefined ? { retryAt } : {}),
        }),
      ],
    };
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What folding the log threw: the registered workflows cannot run it. */
class FoldError extends Error {
  override readonly name = 'FoldError';
  constructor(override readonly cause: unknown) {
    super('The log cannot be folded by the registered workflows', { cause });
  }
}

/** Runs a fold, marking what it throws as a {@link FoldError} (folds do no I/O, so nothing else is caught). */
function folding<T>(fold: () => T): T {
  try {
    return fold();
  } catch (error) {
    throw new FoldError(error);
  }
}
