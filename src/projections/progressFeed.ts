import type { StoredEvent } from '../events/event';
import type { LifecycleEventData, RecordedError } from '../events/lifecycle';
import type { FrameError, ServerFrame } from '../protocol';
import { errorFrame } from '../protocol';

/**
 * The progress feed: which frame a client sees for each stored lifecycle
 * event. A pure mapping — no clock, no I/O — so the projector's live frames
 * and `subscribe`'s catch-up frames for the same event are identical (same
 * `seq`, same `timestamp` = the event's `at`) and clients can drop
 * duplicates by `seq`.
 *
 * | event | frame |
 * |---|---|
 * | `step.progress` | `progress` |
 * | `request.completed` | `complete` (terminal) |
 * | `request.failed` | `error` `PROCESSING_FAILED` / `TIMEOUT` (terminal) |
 * | `request.cancelled` | `error` `CANCELLED` (terminal) |
 * | anything else | none |
 */

/** The message of a cancellation that gave no reason. */
export const CANCELLED_MESSAGE = 'Request cancelled';

/** The error a client sees for a failed request, in its frame and in the request view. */
export function failureFrameError(error: RecordedError): FrameError {
  return {
    code: error.name === 'TimeoutError' ? 'TIMEOUT' : 'PROCESSING_FAILED',
    message: error.message,
    details: {
      name: error.name,
      retryable: error.retryable,
      ...(error.details !== undefined ? { details: error.details } : {}),
    },
  };
}

/**
 * The frame for `event` of the request the client calls `requestId`,
 * or undefined when the event has no frame.
 *
 * @example
 * frameForEvent(progressEvent, 'r1');
 * // { type: 'progress', request_id: 'r1', percentage: 40, message: 'Rendering', seq: 5, timestamp: 1767225600000 }
 */
export function frameForEvent(event: StoredEvent, requestId: string): ServerFrame | undefined {
  switch (event.type) {
    case 'step.progress': {
      const data = event.data as LifecycleEventData['step.progress'];
      return {
        type: 'progress',
        request_id: requestId,
        percentage: Math.min(100, Math.max(0, data.percentage)),
        message: data.message,
        ...(data.metadata !== undefined && { metadata: data.metadata }),
        seq: event.seq,
        timestamp: event.at,
      };
    }
    case 'request.completed': {
      const data = event.data as LifecycleEventData['request.completed'];
      return {
        type: 'complete',
        request_id: requestId,
        result: data.output ?? null,
        seq: event.seq,
        timestamp: event.at,
      };
    }
    case 'request.failed': {
      const data = event.data as LifecycleEventData['request.failed'];
      return errorFrame(failureFrameError(data.error), event.at, {
        requestId,
        seq: event.seq,
      });
    }
    case 'request.cancelled': {
      const data = event.data as LifecycleEventData['request.cancelled'];
      return errorFrame(
        { code: 'CANCELLED', message: data.reason ?? CANCELLED_MESSAGE },
        event.at,
        {
          requestId,
          seq: event.seq,
        },
      );
    }
    default:
      return undefined;
  }
}

/**
 * The frames of a run of events, in `seq` order (the catch-up after
 * `subscribe` with `last_seq`).
 */
export function framesForEvents(events: readonly StoredEvent[], requestId: string): ServerFrame[] {
  return events.flatMap((event) => frameForEvent(event, requestId) ?? []);
}
