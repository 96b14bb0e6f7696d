import {
  type DeadLetterSink,
  type EngineLogger,
  type RunOutcome,
  runRequest,
  SHORT_WAIT_MAX_MS,
  type WorkflowRegistry,
  wakeUpAt,
} from '../engine';
import type { EventStore } from '../events/eventStore';
import type { WakeUp } from '../queues/wakeUpQueue';

/** Schedules a durable wake-up (the SQS timer queue in AWS and locally). */
export interface WakeUpScheduler {
  schedule(wakeUp: WakeUp): Promise<void>;
}

/** Everything a run needs, injected (`src/lambdas/backendDeps.ts` builds the real ones). */
export interface RunnerDeps {
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly deadLetterSink: DeadLetterSink;
  readonly wakeUps: WakeUpScheduler;
  readonly clock: () => number;
  readonly logger?: EngineLogger;
}

/**
 * Runs one request as far as the time budget allows (waiting in-process for
 * retries and timers due within a second), then makes sure it will be looked
 * at again when something becomes due that no stream record will announce:
 * a retry's backoff, a durable timer, or the lease of a runner that may have
 * crashed. (A suspension needs no timer: its own `request.suspended` record
 * wakes the processor.)
 */
export async function processRequest(
  deps: RunnerDeps,
  requestKey: string,
  remainingTimeMs: () => number,
): Promise<RunOutcome> {
  const outcome = await runRequest({
    store: deps.store,
    registry: deps.registry,
    requestKey,
    remainingTimeMs,
    clock: deps.clock,
    deadLetterSink: deps.deadLetterSink,
    shortWaitMaxMs: SHORT_WAIT_MAX_MS,
    ...(deps.logger && { logger: deps.logger }),
  });
  const dueAt = wakeUpAt(outcome);
  if (dueAt !== undefined) await deps.wakeUps.schedule({ requestKey, dueAt });
  return outcome;
}
