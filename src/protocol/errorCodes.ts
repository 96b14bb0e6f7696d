/**
 * The error codes a client can receive in an `error` frame or in a failed
 * `response` (DESIGN §5). Clients branch on the code, never on the message.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'INVALID_ACTION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'PROCESSING_FAILED',
  'TIMEOUT',
  'CANCELLED',
  'INTERNAL_ERROR',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The `error` object of an `error` frame or a failed `response`. */
export interface FrameError {
  readonly code: ErrorCode;
  /** Human-readable, safe to show; never contains secrets or stack traces. */
  readonly message: string;
  /** Machine-readable facts (validation issues, limits …). */
  readonly details?: unknown;
}

/**
 * A failure the front door reports to the client as an `error` frame. Throw
 * it anywhere in the router; it is mapped to a frame with the message's id.
 *
 * @example
 * throw new ProtocolError('NOT_FOUND', 'Request r1 was not found', undefined, { requestId: 'm7' });
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options: { readonly cause?: unknown; readonly requestId?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.requestId = options.requestId;
  }

  /** The client's id of the message or request this error is about, when known. */
  readonly requestId: string | undefined;

  /** The `error` object to put in a frame. */
  toFrameError(): FrameError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
