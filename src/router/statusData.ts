import type { RequestView } from '../projections/requestView';

/** What `status` answers about a request: its view, in the protocol's snake_case, without storage keys. */
export interface StatusData {
  readonly request_id: string;
  readonly action: string;
  readonly status: RequestView['status'];
  readonly progress: number;
  readonly progress_message?: string;
  readonly result?: unknown;
  readonly error?: RequestView['error'];
  readonly retry_count: number;
  readonly max_retries: number;
  readonly retry_after?: number;
  /** While `QUEUED`: runs ahead of it in its concurrency line (0: next). */
  readonly queue_position?: number;
  readonly created_at: number;
  readonly processing_started?: number;
  readonly processing_ended?: number;
  /** The log position the answer reflects: `subscribe` with this `last_seq` misses nothing. */
  readonly last_seq: number;
}

/** Maps a request view (the fold of its log) to the `status` response's `data`. */
export function statusData(view: RequestView): StatusData {
  return {
    request_id: view.requestId,
    action: view.action,
    status: view.status,
    progress: view.progress,
    ...(view.progressMessage !== undefined && { progress_message: view.progressMessage }),
    ...(view.result !== undefined && { result: view.result }),
    ...(view.error !== undefined && { error: view.error }),
    retry_count: view.retryCount,
    max_retries: view.maxRetries,
    ...(view.retryAfter !== undefined && { retry_after: view.retryAfter }),
    ...(view.queuePosition !== undefined && { queue_position: view.queuePosition }),
    created_at: view.createdAt,
    ...(view.processingStarted !== undefined && { processing_started: view.processingStarted }),
    ...(view.processingEnded !== undefined && { processing_ended: view.processingEnded }),
    last_seq: view.lastSeq,
  };
}
