import type { RecordedError } from '../events/lifecycle';
import { dueTimers, nextFireAt, type PendingTimer } from './durableTimers';
import { toJson, toRecordedError } from './recordedError';
import type { RequestState, StepInvocation } from './replay';
import { isExhaustion } from './retry';

/** What the runner does next for a folded request; {@link decide} picks it. @internal */
export type Decision =
  /** Ended, and nothing is owed (or the dead letter is already recorded). */
  | { readonly kind: 'finished' }
  /** Ended by exhausted attempts: send the one dead-letter message and record it. */
  | { readonly kind: 'dead_letter' }
  /** The machine reached a final state: record `request.completed`. */
  | { readonly kind: 'complete'; readonly output: unknown }
  /** The machine failed: record `request.failed`. */
  | {
      readonly kind: 'fail';
      readonly error: RecordedError;
      readonly exhausted: boolean;
      readonly stepId?: string;
      readonly attempts: number;
    }
  /** Durable timers are due: record their firing (before any step: a timer may end a step's state). */
  | { readonly kind: 'fire'; readonly timers: readonly PendingTimer[] }
  /** Steps are due (several at once in parallel states): take their leases and run them. */
  | { readonly kind: 'start'; readonly starts: readonly StepStart[] }
  /**
   * Nothing to do now. `busyUntil`: the earliest end of a lease held by a
   * runner (maybe this one); `retry`: the earliest step retry; `timerAt`:
   * the earliest timer. None of them: the machine waits for an external event.
   */
  | {
      readonly kind: 'idle';
      readonly busyUntil?: number;
      readonly retry?: { readonly stepId: string; readonly retryAt: number };
      readonly timerAt?: number;
    };

/** One step attempt that is due. @internal */
export interface StepStart {
  readonly invocation: StepInvocation;
  readonly attempt: number;
  /** True when the attempt continues a suspended or abandoned one (same attempt number). */
  readonly resumed: boolean;
  /** True when the attempt is its dependency circuit's half-open probe (set by the runner's gate). */
  readonly probe?: boolean;
}

/**
 * Decides the next thing to do for a folded request. Pure: the same state and
 * time always give the same decision.
 * @internal
 */
export function decide(state: RequestState, now: number): Decision {
  if (state.terminal) return afterTheEnd(state);
  const { snapshot } = state;
  if (snapshot.status === 'done') return { kind: 'complete', output: toJson(snapshot.output) };
  if (snapshot.status === 'error') return failure(state);
  const timers = dueTimers(state.timers, now);
  if (timers.length > 0) return { kind: 'fire', timers };
  return nextSteps(state, now);
}

function afterTheEnd(state: RequestState): Decision {
  const owesDeadLetter =
    state.terminal?.type === 'request.failed' && state.failure?.exhausted && !state.deadLettered;
  return owesDeadLetter ? { kind: 'dead_letter' } : { kind: 'finished' };
}

/**
 * The machine errored: either a step's final error reached it unhandled (the
 * request fails with that step's error and attempts), or the machine itself
 * threw (an action or guard), which no retry can fix.
 */
function failure(state: RequestState): Decision {
  const stepError = state.lastStepError;
  if (stepError && state.snapshot.error === stepError.error) {
    return {
      kind: 'fail',
      error: stepError.error,
      exhausted: isExhaustion(stepError.error),
      stepId: stepError.stepId,
      attempts: stepError.attempt,
    };
  }
  const error = { ...toRecordedError(state.snapshot.error), retryable: false };
  return { kind: 'fail', error, exhausted: false, attempts: 0 };
}

/**
 * Every step that can run now, in the machine's order; otherwise why none
 * can: a lease held by a runner (the earliest to end), a retry not yet due
 * (the earliest), a timer (the earliest), or nothing at all to run.
 */
function nextSteps(state: RequestState, now: number): Decision {
  const starts: StepStart[] = [];
  let busyUntil: number | undefined;
  let retry: { stepId: string; retryAt: number } | undefined;
  for (const invocation of state.steps.values()) {
    const due = dueAttempt(invocation, now);
    const deferredUntil = invocation.deferredUntil ?? now;
    if (due && deferredUntil > now) {
      // Held back by its dependency's circuit: wake then, like a retry.
      if (!retry || deferredUntil < retry.retryAt)
        retry = { stepId: invocation.stepId, retryAt: deferredUntil };
    } else if (due) starts.push({ invocation, ...due });
    else if (invocation.status === 'running') {
      const leaseUntil = invocation.leaseUntil ?? now;
      busyUntil = Math.min(busyUntil ?? leaseUntil, leaseUntil);
    } else if (invocation.status === 'retry_wait') {
      const retryAt = invocation.retryAt ?? now;
      if (!retry || retryAt < retry.retryAt) retry = { stepId: invocation.stepId, retryAt };
    }
  }
  if (starts.length > 0) return { kind: 'start', starts };
  const timerAt = nextFireAt(state.timers);
  return {
    kind: 'idle',
    ...(busyUntil !== undefined && { busyUntil }),
    ...(retry && { retry }),
    ...(timerAt !== undefined && { timerAt }),
  };
}

/** The attempt to start for `invocation` now, if one is due. */
function dueAttempt(
  invocation: StepInvocation,
  now: number,
): { attempt: number; resumed: boolean } | undefined {
  switch (invocation.status) {
    case 'pending':
      return { attempt: 1, resumed: false };
    case 'suspended':
      return { attempt: invocation.attempt, resumed: true };
    case 'retry_wait':
      return (invocation.retryAt ?? now) <= now
        ? { attempt: invocation.attempt + 1, resumed: false }
        : undefined;
    case 'waiting_child':
      return undefined;
    case 'running':
      // A lease that ran out belongs to a runner that crashed or hung: take the attempt over.
      return (invocation.leaseUntil ?? now) <= now
        ? { attempt: invocation.attempt, resumed: true }
        : undefined;
  }
}

/** What a request that ended still owes other requests. @internal */
export interface EndedRelations {
  /** A child request that ended: its parent's waiting step must hear of it. */
  readonly notifyParent: boolean;
  /** A cancelled request's child requests still running: they are cancelled too. */
  readonly childrenToCancel: readonly string[];
}

/** The relations an ended request must settle (nothing for one that has not ended). @internal */
export function endedRelations(state: RequestState): EndedRelations {
  if (!state.terminal) return { notifyParent: false, childrenToCancel: [] };
  const childrenToCancel =
    state.terminal.type === 'request.cancelled' ? waitingChildren(state) : [];
  return { notifyParent: state.parent !== undefined, childrenToCancel };
}

/** The request ids of the children the request's steps wait for. @internal */
export function waitingChildren(state: RequestState): string[] {
  return [...state.steps.values()].flatMap((invocation) =>
    invocation.status === 'waiting_child' && invocation.childRequestId
      ? [invocation.childRequestId]
      : [],
  );
}
