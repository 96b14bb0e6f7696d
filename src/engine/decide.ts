import type { RecordedError } from '../events/lifecycle';
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
  /** A step is due: take its lease and run an attempt. */
  | {
      readonly kind: 'start';
      readonly invocation: StepInvocation;
      readonly attempt: number;
      /** True when the attempt continues a suspended or abandoned one (same attempt number). */
      readonly resumed: boolean;
    }
  /** Another runner holds a step's lease until `leaseUntil`. */
  | { readonly kind: 'busy'; readonly leaseUntil: number }
  /** A step waits for its next attempt, due at `retryAt`. */
  | { readonly kind: 'retry'; readonly stepId: string; readonly retryAt: number }
  /** Active with no step to run: the machine waits for an external event. */
  | { readonly kind: 'waiting' };

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
  return nextStep(state, now);
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
 * The first step in the machine's order that can run now; otherwise why
 * none can: a lease held elsewhere (the earliest to end), a retry not yet
 * due (the earliest), or nothing at all to run.
 */
function nextStep(state: RequestState, now: number): Decision {
  let busyUntil: number | undefined;
  let retry: { stepId: string; retryAt: number } | undefined;
  for (const invocation of state.steps.values()) {
    const due = dueAttempt(invocation, now);
    if (due) return { kind: 'start', invocation, ...due };
    if (invocation.status === 'running') {
      const leaseUntil = invocation.leaseUntil ?? now;
      busyUntil = Math.min(busyUntil ?? leaseUntil, leaseUntil);
    } else if (invocation.status === 'retry_wait') {
      const retryAt = invocation.retryAt ?? now;
      if (!retry || retryAt < retry.retryAt) retry = { stepId: invocation.stepId, retryAt };
    }
  }
  if (busyUntil !== undefined) return { kind: 'busy', leaseUntil: busyUntil };
  if (retry) return { kind: 'retry', ...retry };
  return { kind: 'waiting' };
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
    case 'running':
      // A lease that ran out belongs to a runner that crashed or hung: take the attempt over.
      return (invocation.leaseUntil ?? now) <= now
        ? { attempt: invocation.attempt, resumed: true }
        : undefined;
  }
}
