import type { FrameError } from './errorCodes';
import type { MachineGraph } from './machineGraph';

/**
 * The `data` of the inspection actions' responses (`list`, `describe`,
 * `history`; docs/protocol.md): plain types and one constant, no parsing,
 * so browser code (the client, the dashboard) can import them freely.
 */

/** The statuses of a run (the request view's `status`). */
export const RUN_STATUSES = [
  'PENDING',
  'QUEUED',
  'PROCESSING',
  'RETRYING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'DEAD_LETTERED',
] as const;

/** One of {@link RUN_STATUSES}. */
export type RunStatusName = (typeof RUN_STATUSES)[number];

/**
 * The `data` of a `status` response: where a run stands, folded from its
 * log on the server (never stale), in the protocol's snake_case.
 */
export interface RunStatusData {
  readonly request_id: string;
  readonly action: string;
  readonly status: RunStatusName;
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
  /** The log position the answer reflects: `subscribe` with this `last_seq` misses nothing. */
  readonly last_seq: number;
}

/**
 * One run in a `list` page: its request view as `status` would answer it,
 * without the result and retry time, and with who started it. The view
 * trails the log by a moment, so `last_seq` may be behind `status`'s.
 */
export interface RunSummary extends Omit<RunStatusData, 'result' | 'retry_after'> {
  /** The `sub` of the token that started it. */
  readonly user_id: string;
}

/** The `data` of a `list` response: newest first. */
export interface ListData {
  readonly runs: readonly RunSummary[];
  /**
   * Present while more runs may match: send it back as `payload.cursor`
   * (with the same filters) for the next page. A page may hold fewer than
   * `limit` runs, even none, and still have a cursor.
   */
  readonly cursor?: string;
}

/** An event a client may `signal` to the workflow. */
export interface SignalDescription {
  readonly type: string;
  /** The event's JSON Schema (draft 2020-12), when the workflow's schema library can give one. */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** The `data` of a `describe` response. */
export interface DescribeData {
  readonly action: string;
  readonly version: number;
  /** Every registered version of the action, oldest first. */
  readonly versions: readonly number[];
  /** Whether the router answers it inline (estimated ≤ 5 s) rather than as a durable run. */
  readonly sync: boolean;
  readonly estimated_duration: number;
  readonly max_attempts: number;
  /** The events `signal` may send: the workflow's declared `signals`, else the machine's external events. */
  readonly signals: readonly SignalDescription[];
  readonly graph: MachineGraph;
}

/** An XState state value: a state key, or nested keys for compound and parallel states. */
export type StateValue = string | { readonly [key: string]: StateValue };

/** One event of a run's log, as `history` sends it. */
export interface HistoryEvent {
  readonly seq: number;
  readonly type: string;
  /** Epoch ms. */
  readonly at: number;
  /** The event's data; a large one is replaced by `{ truncated: true, bytes }`. */
  readonly data: unknown;
  /** The machine's state value after this event, when it changed here (always on the first event). */
  readonly state?: StateValue;
  /** The run's status after this event, when it changed here. */
  readonly status?: RunStatusName;
}

/** Where a run stands at the end of its log. */
export interface HistoryCurrent {
  readonly status: RunStatusName;
  /** The machine's state value; absent when the deployed workflows cannot replay the log. */
  readonly state?: StateValue;
  /** The event types a `signal` would be accepted for right now (XState's `snapshot.can`). */
  readonly accepts: readonly string[];
  /** Whether the run has ended (completed, failed, cancelled or dead-lettered). */
  readonly finished: boolean;
}

/** The `data` of a `history` response. */
export interface HistoryData {
  readonly request_id: string;
  readonly action: string;
  readonly workflow_version: number;
  /** Events after `after_seq`, in `seq` order, at most `limit`. */
  readonly events: readonly HistoryEvent[];
  /** The last `seq` of the whole log. */
  readonly last_seq: number;
  /** Present when more events follow: pass it as the next `after_seq`. */
  readonly next_after_seq?: number;
  readonly current: HistoryCurrent;
}
