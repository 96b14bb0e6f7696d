import type { RequestView } from '../projections/requestView';
import type { RunStatusData } from '../protocol';

/** What `status` answers about a request: its view, in the protocol's snake_case, without storage keys. */
export type StatusData = RunStatusData;

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
