import type { RunStatusData } from '../protocol/inspectData';

/**
 * Where a run stands, as `run.status()` answers (the `status` action's
 * `data`, folded from the run's log on the server: never stale).
 */
export type RunStatus = RunStatusData;

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
