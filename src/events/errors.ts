/**
 * Errors raised by event stores. Each carries the facts needed to act on it
 * and a `retryable` flag the processor reads to choose retry vs give up.
 */

/** Base class of every error an `EventStore` raises on purpose. */
export abstract class EventStoreError extends Error {
  /** Whether trying the same operation again may succeed. */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Another writer appended first: the log is not at `expectedVersion`.
 * Re-read the log, re-decide, and append again.
 */
export class VersionConflictError extends EventStoreError {
  override readonly name = 'VersionConflictError';
  readonly retryable = true;
  readonly requestKey: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;
  constructor(
    facts: { requestKey: string; expectedVersion: number; actualVersion: number },
    options?: { cause?: unknown },
  ) {
    super(
      `Request ${facts.requestKey} is at version ${facts.actualVersion}, not ${facts.expectedVersion}: re-read the log and decide again`,
      options,
    );
    this.requestKey = facts.requestKey;
    this.expectedVersion = facts.expectedVersion;
    this.actualVersion = facts.actualVersion;
  }
}

/** One event would exceed DynamoDB's 400 KB item limit. Nothing was written. */
export class EventTooLargeError extends EventStoreError {
  override readonly name = 'EventTooLargeError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly seq: number,
    readonly type: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Event ${type} (seq ${seq}) of request ${requestKey} is ${sizeBytes} bytes, over the ${limitBytes}-byte item limit: store large payloads elsewhere (e.g. S3) and keep a reference in the event`,
    );
  }
}

/** An append broke a transaction limit (event count or total size). Nothing was written. */
export class AppendTooLargeError extends EventStoreError {
  override readonly name = 'AppendTooLargeError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly limit: 'events' | 'bytes',
    readonly actual: number,
    readonly max: number,
  ) {
    super(
      `Append to request ${requestKey} has ${actual} ${limit}, over the limit of ${max} per append: split it into several appends`,
    );
  }
}

/** The append itself is malformed (no events, negative version …). A programming error. */
export class InvalidAppendError extends EventStoreError {
  override readonly name = 'InvalidAppendError';
  readonly retryable = false;
}

/** The store could not be reached or answered with an unexpected failure. */
export class EventStoreUnavailableError extends EventStoreError {
  override readonly name = 'EventStoreUnavailableError';
  readonly retryable = true;
}

/**
 * An item of the log is not a commit item (nor a one-event item of the first
 * layout): the table holds something this store did not write, or a newer
 * layout. Nothing can be read past it; retrying will not help.
 */
export class CorruptLogItemError extends EventStoreError {
  override readonly name = 'CorruptLogItemError';
  readonly retryable = false;
  constructor(
    readonly requestKey: string,
    readonly seq: number,
    readonly reason: string,
  ) {
    super(
      `The log item of request ${requestKey} at seq ${seq} cannot be read: ${reason}. Check what wrote it; docs/events.md describes the layouts this store reads`,
    );
  }
}
