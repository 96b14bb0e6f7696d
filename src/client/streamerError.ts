import type { ErrorCode, FrameError } from '../protocol/errorCodes';

/**
 * Failures the client reports itself, beside the protocol's codes:
 * `DISCONNECTED` — the connection dropped before a `call`, `status`,
 * `cancel` or `signal` was answered (they are not sent twice: a sync action
 * or a signal might run twice); `NO_REPLY` — no answer within
 * `replyTimeoutMs`; `CLOSED` — the client or the run handle was closed first.
 */
export type ClientErrorCode = 'DISCONNECTED' | 'NO_REPLY' | 'CLOSED';

/** A protocol error code (docs/protocol.md) or one of the client's own. */
export type StreamerErrorCode = ErrorCode | ClientErrorCode;

/** Context of a {@link StreamerError}. */
export interface StreamerErrorContext {
  /** The id of the run or message the error is about, when known. */
  readonly requestId?: string;
  /** The machine-readable facts the server sent (`details.issues` for validation errors …). */
  readonly details?: unknown;
  /** For a run's terminal `error` frame: its log position. */
  readonly seq?: number;
  readonly cause?: unknown;
}

/**
 * The one error type of `streamer-engine/client`: every rejected promise and
 * every failed iterator carries one. Branch on `code`, never on `message`.
 *
 * @example
 * try {
 *   await run.result;
 * } catch (error) {
 *   if (error instanceof StreamerError && error.code === 'CANCELLED') showCancelled(error.requestId);
 *   else throw error;
 * }
 */
export class StreamerError extends Error {
  override readonly name = 'StreamerError';
  /** What went wrong, for code to branch on. */
  readonly code: StreamerErrorCode;
  /** The run or message id it is about, when known. */
  readonly requestId: string | undefined;
  /** The server's machine-readable facts (`issues`, limits, the step error's name …). */
  readonly details: unknown;
  /** For a run's terminal `error` frame: its log position. */
  readonly seq: number | undefined;

  constructor(code: StreamerErrorCode, message: string, context: StreamerErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.requestId = context.requestId;
    this.details = context.details;
    this.seq = context.seq;
  }

  /** The error of an `error` frame or a failed `response`, as a {@link StreamerError}. */
  static fromFrame(
    error: FrameError,
    context: { readonly requestId?: string; readonly seq?: number } = {},
  ): StreamerError {
    return new StreamerError(error.code, error.message, {
      ...context,
      ...(error.details !== undefined && { details: error.details }),
    });
  }
}
