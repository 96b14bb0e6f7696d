import type { RecordedError } from '../events/lifecycle';

/**
 * Turns anything thrown into the serialisable error the log records. An
 * error is retryable unless it says otherwise (`retryable: false`, as
 * `NonRetryableError` does).
 */
export function toRecordedError(error: unknown): RecordedError {
  // A copy as the log will give it back: the live runner must fold what a replay folds (invariant 3).
  if (isRecordedError(error)) return toJson(error);
  if (error instanceof Error) {
    const flagged = (error as { retryable?: unknown }).retryable;
    const details = (error as { details?: unknown }).details;
    return {
      name: error.name,
      message: error.message,
      retryable: flagged !== false,
      ...(details !== undefined ? { details: toJson(details) } : {}),
    };
  }
  return {
    name: 'Error',
    message: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)),
    retryable: true,
  };
}

function isRecordedError(value: unknown): value is RecordedError {
  if (typeof value !== 'object' || value === null || value instanceof Error) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.message === 'string' &&
    typeof candidate.retryable === 'boolean'
  );
}

/**
 * A JSON copy of `value`: what a read of the log would give back. The runner
 * folds this copy, so the live state equals the replayed one (invariant 3).
 */
export function toJson<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(JSON.stringify(value)) as T;
}
