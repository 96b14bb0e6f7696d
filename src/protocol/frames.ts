import type { FrameError } from './errorCodes';

/**
 * Server → client frames (DESIGN §5). Every frame is one JSON object with a
 * `type` and a `timestamp` (Unix epoch milliseconds). Field names are
 * snake_case, compatible with the original Go implementation's frames.
 */

/** The reply to a sync action or an engine action (`status`, `subscribe` …). */
export interface ResponseFrame {
  readonly type: 'response';
  /** The id of the message this answers (the client's own id). */
  readonly request_id: string;
  readonly success: boolean;
  readonly data: unknown;
  /** Present when `success` is false. */
  readonly error?: FrameError;
  readonly timestamp: number;
}

/** An async request was durably accepted; `progress`/`complete`/`error` frames follow. */
export interface AcknowledgmentFrame {
  readonly type: 'acknowledgment';
  readonly request_id: string;
  readonly status: 'queued';
  readonly message: string;
  /**
   * True when this id was already accepted for the tenant: no second request
   * was started (use `status` or `subscribe` to follow the existing one).
   */
  readonly duplicate?: boolean;
  readonly timestamp: number;
}

/** Progress of an async request, from its log. */
export interface ProgressFrame {
  readonly type: 'progress';
  readonly request_id: string;
  /** 0–100, never decreasing for one request. */
  readonly percentage: number;
  readonly message: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** The log position of the event this frame comes from. */
  readonly seq: number;
  readonly timestamp: number;
}

/** An async request finished successfully: its terminal frame. */
export interface CompleteFrame {
  readonly type: 'complete';
  readonly request_id: string;
  readonly result: unknown;
  readonly seq: number;
  readonly timestamp: number;
}

/**
 * A message was rejected (no `seq`), or an async request ended in failure or
 * cancellation (with `seq`: its terminal frame).
 */
export interface ErrorFrame {
  readonly type: 'error';
  /** The id of the message or request, when one is known. */
  readonly request_id?: string;
  readonly error: FrameError;
  readonly seq?: number;
  readonly timestamp: number;
}

/** The answer to `ping`. */
export interface PongFrame {
  readonly type: 'pong';
  readonly timestamp: number;
}

/** Any frame the server sends. */
export type ServerFrame =
  | ResponseFrame
  | AcknowledgmentFrame
  | ProgressFrame
  | CompleteFrame
  | ErrorFrame
  | PongFrame;

/** The `type` of a {@link ServerFrame}. */
export type ServerFrameType = ServerFrame['type'];

/** Builds a successful `response` frame. */
export function responseFrame(requestId: string, data: unknown, timestamp: number): ResponseFrame {
  return { type: 'response', request_id: requestId, success: true, data, timestamp };
}

/** Builds a failed `response` frame: the action ran and failed (e.g. a sync workflow threw). */
export function failedResponseFrame(
  requestId: string,
  error: FrameError,
  timestamp: number,
): ResponseFrame {
  return { type: 'response', request_id: requestId, success: false, data: null, error, timestamp };
}

/** Builds an `acknowledgment` frame for an accepted (or already accepted) async request. */
export function acknowledgmentFrame(
  requestId: string,
  timestamp: number,
  options: { readonly duplicate?: boolean } = {},
): AcknowledgmentFrame {
  return options.duplicate
    ? {
        type: 'acknowledgment',
        request_id: requestId,
        status: 'queued',
        message: `Request ${requestId} was already accepted; no new request was started`,
        duplicate: true,
        timestamp,
      }
    : {
        type: 'acknowledgment',
        request_id: requestId,
        status: 'queued',
        message: 'Request accepted for processing',
        timestamp,
      };
}

/**
 * Builds an `error` frame. Omit `requestId` when the message had no readable
 * id; pass `seq` only for an async request's terminal error.
 */
export function errorFrame(
  error: FrameError,
  timestamp: number,
  options: { readonly requestId?: string; readonly seq?: number } = {},
): ErrorFrame {
  return {
    type: 'error',
    ...(options.requestId !== undefined && { request_id: options.requestId }),
    error,
    ...(options.seq !== undefined && { seq: options.seq }),
    timestamp,
  };
}

/** Builds a `pong` frame. */
export function pongFrame(timestamp: number): PongFrame {
  return { type: 'pong', timestamp };
}

/** Serialises a frame for the wire. */
export function encodeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
