import { VersionConflictError } from '../events/errors';
import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';
import { type DeadLetterMessage, type DeadLetterSink, deadLetterMessageOf } from './deadLetter';
import {
  NotAStepError,
  UnknownWorkflowError,
  UnregisteredActorError,
  WorkflowVersionMismatchError,
} from './errors';
import type { EngineLogger } from './logger';

/**
 * Requests the registered workflows cannot run at all: the log names a
 * workflow or version that is not registered, or its machine invokes an actor
 * that is missing or not a step of this engine. Replay throws before any
 * state exists, and would throw again on every delivery, so the runner ends
 * such a request here, from the raw log, without folding the machine: one
 * `request.failed` (non-retryable, `exhausted` and `unrunnable`), one
 * dead-letter message, one `request.dead_lettered`, one error log line.
 * Dead-lettered, so an operator can redrive it once a deploy can run it.
 */

/** What {@link settleUnrunnable} needs (a subset of the runner's deps). */
export interface UnrunnableDeps {
  readonly store: EventStore;
  readonly requestKey: string;
  readonly clock: () => number;
  readonly deadLetterSink: DeadLetterSink;
  readonly logger: EngineLogger;
}

/** How an unrunnable request was left. */
export type UnrunnableOutcome =
  | { readonly kind: 'dead_lettered'; readonly error: RecordedError; readonly messageId: string }
  | { readonly kind: 'nothing_to_do'; readonly reason: 'finished' };

type Accepted = StoredEvent<'request.accepted', LifecycleEventData['request.accepted']>;
type Failed = StoredEvent<'request.failed', LifecycleEventData['request.failed']>;

/** Where the current epoch of a log stands, read from the raw events (no machine). */
interface RawStanding {
  readonly accepted: Accepted;
  readonly version: number;
  readonly terminal?: StoredEvent;
  readonly deadLettered: boolean;
}

/**
 * The terminal event of the current epoch (after the last `request.redriven`)
 * and whether it was dead-lettered, read without folding the machine.
 */
export function rawStanding(events: readonly StoredEvent[]): RawStanding {
  const accepted = events[0] as Accepted;
  const redriven = events.findLastIndex((event) => event.type === 'request.redriven');
  const epoch = events.slice(redriven + 1);
  const terminal = epoch.find(
    (event) =>
      event.type === 'request.completed' ||
      event.type === 'request.failed' ||
      event.type === 'request.cancelled',
  );
  return {
    accepted,
    version: events.at(-1)?.seq ?? 0,
    ...(terminal && { terminal }),
    deadLettered:
      terminal !== undefined &&
      epoch.some((event) => event.seq > terminal.seq && event.type === 'request.dead_lettered'),
  };
}

/**
 * Ends a request whose log the registered workflows cannot fold (`cause`
 * is what replay threw), idempotently: appends `request.failed` unless the
 * current epoch already ended, then sends the dead-letter message and
 * appends `request.dead_lettered` unless that happened already. Another
 * writer appending meanwhile (a cancel, a second runner) is re-read and
 * respected.
 */
export async function settleUnrunnable(
  deps: UnrunnableDeps,
  log: readonly StoredEvent[],
  cause: unknown,
): Promise<UnrunnableOutcome> {
  let events = log;
  for (let tries = 0; tries < 5; tries++) {
    const standing = rawStanding(events);
    const { terminal } = standing;
    const failed = terminal?.type === 'request.failed' ? (terminal as Failed) : undefined;
    if (terminal && (!failed?.data.exhausted || standing.deadLettered)) {
      return { kind: 'nothing_to_do', reason: 'finished' };
    }
    try {
      if (failed) {
        const message = await deadLetter(deps, standing, failed);
        logUnrunnable(deps, standing.accepted, cause, message);
        return { kind: 'dead_lettered', error: failed.data.error, messageId: message.messageId };
      }
      await append(deps, standing, 'request.failed', {
        error: unrunnableError(standing.accepted, cause),
        attempts: 0,
        exhausted: true,
        unrunnable: true,
      });
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
    events = await deps.store.read(deps.requestKey);
  }
  throw new Error(
    `Request ${deps.requestKey} cannot run, and recording its failure kept conflicting with other writers: it is retried on the next delivery`,
  );
}

/** Sends the dead-letter message (first: a crash before the append re-sends the same id), then records it. */
async function deadLetter(
  deps: UnrunnableDeps,
  standing: RawStanding,
  failed: Failed,
): Promise<DeadLetterMessage> {
  const { accepted } = standing;
  const errors = [failed.data.error];
  const message = deadLetterMessageOf(
    {
      requestKey: deps.requestKey,
      tenantId: accepted.tenantId,
      userId: accepted.userId,
      requestId: accepted.data.clientRequestId,
      action: accepted.data.action,
      workflowVersion: accepted.data.workflowVersion,
    },
    { seq: failed.seq, attempts: failed.data.attempts, errors },
  );
  await deps.deadLetterSink.send(message);
  await append(deps, standing, 'request.dead_lettered', {
    attempts: failed.data.attempts,
    errors,
    messageId: message.messageId,
  });
  return message;
}

async function append<T extends 'request.failed' | 'request.dead_lettered'>(
  deps: UnrunnableDeps,
  standing: RawStanding,
  type: T,
  data: LifecycleEventData[T],
): Promise<void> {
  const { accepted } = standing;
  const event: NewEvent = {
    type,
    at: deps.clock(),
    tenantId: accepted.tenantId,
    userId: accepted.userId,
    data,
  };
  await deps.store.append(deps.requestKey, standing.version, [event]);
}

/**
 * The error a client and an operator see: which workflow, and why it cannot
 * run. Never the storage key (some engine messages carry it), so it is
 * rebuilt from the error's facts.
 */
export function unrunnableError(accepted: Accepted, cause: unknown): RecordedError {
  const { action, workflowVersion } = accepted.data;
  const name = cause instanceof Error ? cause.name : 'Error';
  return {
    name,
    message: `Workflow ${action} v${workflowVersion} cannot run in this deployment: ${reasonOf(cause)}`,
    retryable: false,
    details: { reason: 'unrunnable', action, workflowVersion },
  };
}

function reasonOf(cause: unknown): string {
  if (cause instanceof WorkflowVersionMismatchError) {
    return `v${cause.recordedVersion} is not registered (v${cause.registeredVersion} is): register v${cause.recordedVersion} beside it, then redrive`;
  }
  if (cause instanceof UnknownWorkflowError) {
    return 'no workflow of that action is registered: register it, then redrive';
  }
  if (cause instanceof UnregisteredActorError || cause instanceof NotAStepError) {
    return `${cause.message}; then redrive`;
  }
  return `its log cannot be replayed (${cause instanceof Error ? cause.name : String(cause)}); see the processor's error log`;
}

function logUnrunnable(
  deps: UnrunnableDeps,
  accepted: Accepted,
  cause: unknown,
  message: DeadLetterMessage,
): void {
  deps.logger.error('request cannot run: failed and dead-lettered', {
    requestKey: deps.requestKey,
    action: accepted.data.action,
    workflowVersion: accepted.data.workflowVersion,
    cause: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
    messageId: message.messageId,
  });
}
