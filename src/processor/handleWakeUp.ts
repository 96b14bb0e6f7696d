import type { WakeUp } from '../queues/wakeUpQueue';
import { processRequest, type RunnerDeps } from './processRequest';

/** A wake-up this early (ms) is handled now rather than re-queued for the rest. */
const EARLY_TOLERANCE_MS = 1000;

/**
 * Handles one wake-up message (the runner's unit of work): one not yet due
 * (its delay was capped at SQS's 15 minutes) is re-queued for the remainder;
 * a due one runs the request.
 */
export async function handleWakeUp(
  deps: RunnerDeps,
  wakeUp: WakeUp,
  remainingTimeMs: () => number,
): Promise<'rescheduled' | 'ran'> {
  if (wakeUp.dueAt - deps.clock() > EARLY_TOLERANCE_MS) {
    await deps.wakeUps.schedule(wakeUp);
    return 'rescheduled';
  }
  await processRequest(deps, wakeUp.requestKey, remainingTimeMs);
  return 'ran';
}
