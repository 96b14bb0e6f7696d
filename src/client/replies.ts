import type { FrameError } from '../protocol/errorCodes';

/**
 * Where a run stands, as `run.status()` answers (the `status` action's
 * `data`, folded from the run's log on the server: never stale).
 */
export interface RunStatus {
  readonly request_id: string;
  readonly action: string;
  readonly status:
    | 'PENDING'
    | 'QUEUED'
    | 'PROCESSING'
    | 'RETRYING'
    | 'COMPLETED'
    | 'FAILED'
    | 'CANCELLED'
    | 'DEAD_LETTERED';
  /** 0–100. */
  readonly progress: number;
  readonly progress_message?: string;
  readonly result?: unknown;
  readonly error?: Omit<FrameError, 'code'> & { readonly code: string };
  readonly retry_count: number;
  readonly max_retries: number;
  readonly retry_after?: number;
  /** While `QUEUED` (waiting for a concurrency slot): runs ahead of it in line, 0 for next. */
  readonly queue_position?: number;
  readonly created_at: number;
  readonly processing_started?: number;
  readonly processing_ended?: number;
  /** The log position the answer reflects. */
  readonly last_seq: number;
}

/** The answer to `run.cancel()`: the `request.cancelled` event is in the log at `seq`. */
export interface CancelReply {
  readonly request_id: string;
  readonly cancelled: true;
  readonly seq: number;
}

/** The answer to `run.signal()`: the event is in the log at `seq`. */
export interface SignalReply {
  readonly request_id: string;
  readonly signalled: true;
  readonly event_type: string;
  readonly seq: number;
}

/** The answer to `subscribe`. */
export interface SubscribeReply {
  readonly request_id: string;
  readonly subscribed: true;
  /** Catch-up frames the router posted before answering. */
  readonly replayed: number;
  /** How far the catch-up read the log. */
  readonly last_seq: number;
}
