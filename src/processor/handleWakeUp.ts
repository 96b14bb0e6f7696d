import type { RunOutcome } from '../engine';
import type { WakeUp } from '../queues/wakeUpQueue';
import { processRequest, type RunnerDeps } from './processRequest';

/** A wake-up this early (ms) is handled now rather than re-queued for the rest. */
const EARLY_TOLERANCE_MS = 1000;

/** What a wake-up led to: re-queued for later, or a run (with its outcome, for logs and metrics). */
export type WakeUpHandled =
  | { readonly kind: 'rescheduled' }
  | { readonly kind: 'ran'; readonly outcome: RunOutcome };

/**
 * Handles one wake-up message (the runner's unit of work): one not yet due
 * (its delay was capped at SQS's 15 minutes) is re-queued for the remainder;
 * a due one runs the request.
 */
export async function handleWakeUp(
  deps: RunnerDeps,
  wakeUp: WakeUp,
  remainingTimeMs: () => number,
): Promise<WakeUpHandled> {
  if (wakeUp.dueAt - deps.clock() > EARLY_TOLERANCE_MS) {
    await deps.wakeUps.schedule(wakeUp);
    return { kind: 'rescheduled' };
  }
  return { kind: 'ran', outcome: await processRequest(deps, wakeUp.requestKey, remainingTimeMs) };
}
