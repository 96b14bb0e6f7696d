import type { RecordedError } from '../events/lifecycle';

/**
 * The dead-letter intent: sent once a request's retryable failures used up
 * every attempt. The SQS adapter lives with the back end.
 */
export interface DeadLetterMessage extends DeadLetterSubject {
  /**
   * Stable per failure (`<requestKey>#<seq of request.failed>`): a message
   * re-sent after a crash carries the same id, so the queue (FIFO dedup) or
   * its consumer can drop the copy.
   */
  readonly messageId: string;
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

/** The facts of a request a dead-letter message repeats (from its `request.accepted`). */
export interface DeadLetterSubject {
  readonly requestKey: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly requestId: string;
  readonly action: string;
  readonly workflowVersion: number;
}

/** The failure a dead-letter message is about: its `request.failed`. */
export interface DeadLetterFailure {
  /** `seq` of the `request.failed`. */
  readonly seq: number;
  readonly attempts: number;
  readonly errors: readonly RecordedError[];
}

/**
 * The dead-letter message of one failure. Its `messageId`
 * (`<requestKey>#<seq of request.failed>`) is stable, so sending it again
 * after a crash is de-duplicable.
 */
export function deadLetterMessageOf(
  subject: DeadLetterSubject,
  failure: DeadLetterFailure,
): DeadLetterMessage {
  return {
    messageId: `${subject.requestKey}#${failure.seq}`,
    requestKey: subject.requestKey,
    tenantId: subject.tenantId,
    userId: subject.userId,
    requestId: subject.requestId,
    action: subject.action,
    workflowVersion: subject.workflowVersion,
    attempts: failure.attempts,
    errors: failure.errors,
    log: { requestKey: subject.requestKey, fromSeq: 1, toSeq: failure.seq },
  };
}
