import {
  type DeadLetterSink,
  type EngineLogger,
  type FlowControl,
  type RunOutcome,
  runRequest,
  SHORT_WAIT_MAX_MS,
  type WorkflowRegistry,
  wakeUpAt,
  withAttributes,
} from '../engine';
import type { EventStore } from '../events/eventStore';
import { parseRequestKey } from '../events/requestKey';
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
  /** Concurrency slots and dependency circuits (`docs/flow-control.md`); absent: no limits. */
  readonly flowControl?: FlowControl;
}

/**
 * Runs one request as far as the time budget allows (waiting in-process for
 * retries and timers due within a second), then makes sure it will be looked
 * at again when something becomes due that no stream record will announce:
 * a retry's backoff, a durable timer, or the lease of a runner that may have
 * crashed. (A suspension needs no timer: its own `request.suspended` record
 * wakes the processor.) Queued runs that a released concurrency slot lets
 * start are woken now.
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
    ...(deps.logger && { logger: requestLogger(deps.logger, requestKey) }),
    ...(deps.flowControl && { flowControl: deps.flowControl }),
  });
  const dueAt = wakeUpAt(outcome);
  if (dueAt !== undefined) await deps.wakeUps.schedule({ requestKey, dueAt });
  const now = deps.clock();
  for (const woken of outcome.flow?.wake ?? []) {
    await deps.wakeUps.schedule({ requestKey: woken, dueAt: now });
  }
  return outcome;
}

/** Every line of a run names its tenant and request. */
function requestLogger(logger: EngineLogger, requestKey: string): EngineLogger {
  return withAttributes(logger, {
    tenant_id: parseRequestKey(requestKey).tenantId,
    request_key: requestKey,
  });
}
