import type { RecordedError } from '../events/lifecycle';
import type { RequestFailure, RequestState } from './replay';

/**
 * The dead-letter intent: sent once a request's retryable failures used up
 * every attempt. The SQS adapter lives with the back end.
 */
export interface DeadLetterMessage {
  /**
   * Stable per failure (`<requestKey>#<seq of request.failed>`): a message
   * re-sent after a crash carries the same id, so the queue (FIFO dedup) or
   * its consumer can drop the copy.
   */
  readonly messageId: string;
  readonly requestKey: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly requestId: string;
  readonly action: string;
  readonly workflowVersion: number;
  /** Attempts made by the failing step invocation. */
  readonly attempts: number;
  /** The error of each attempt, oldest first. */
  readonly errors: readonly RecordedError[];
  /** Where the whole story is: read `requestKey` from `fromSeq` to `toSeq` (the `request.failed`). */
  readonly log: { readonly requestKey: string; readonly fromSeq: number; readonly toSeq: number };
}

/** Port through which the engine emits dead-letter messages. */
export interface DeadLetterSink {
  /** Sends `message`; must be durable when it resolves. May be called again with the same `messageId`. */
  send(message: DeadLetterMessage): Promise<void>;
}

/**
 * The dead-letter message of a request whose attempts ran out, pointing at
 * the part of the log that tells the story.
 */
export function deadLetterMessageOf(
  state: RequestState,
  failure: RequestFailure,
): DeadLetterMessage {
  return {
    messageId: `${state.requestKey}#${failure.seq}`,
    requestKey: state.requestKey,
    tenantId: state.tenantId,
    userId: state.userId,
    requestId: state.requestId,
    action: state.action,
    workflowVersion: state.workflow.version,
    attempts: failure.attempts,
    errors: failure.errors,
    log: { requestKey: state.requestKey, fromSeq: 1, toSeq: failure.seq },
  };
}
