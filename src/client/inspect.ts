import type { RunStatusName } from '../protocol/inspectData';
import { StreamerError } from './streamerError';

/** A point in time for {@link ListOptions}: epoch milliseconds, a `Date`, or an ISO 8601 string. */
export type TimeInput = number | Date | string;

/** Filters and paging of `client.list()`; every field optional. */
export interface ListOptions {
  readonly status?: RunStatusName;
  readonly action?: string;
  /** Runs created at or after this time. */
  readonly since?: TimeInput;
  /** Runs created at or before this time. */
  readonly until?: TimeInput;
  /** The previous page's `cursor` (send the same filters with it). */
  readonly cursor?: string;
  /** Runs per page, 1–100 (default 25). */
  readonly limit?: number;
}

/** Paging of `client.history()`. */
export interface HistoryOptions {
  /** Events after this `seq` (default 0: from the start); a page's `next_after_seq` continues it. */
  readonly afterSeq?: number;
  /** Events per page, 1–500 (default 200). */
  readonly limit?: number;
}

function epochMs(value: TimeInput, field: string): number {
  const ms = typeof value === 'number' ? value : new Date(value).getTime();
  if (!Number.isFinite(ms)) {
    throw new StreamerError('VALIDATION_ERROR', `${field} is not a time: ${String(value)}`);
  }
  return Math.trunc(ms);
}

/** The `list` payload for `options` (times as epoch ms). @internal */
export function listPayload(options: ListOptions): Record<string, unknown> {
  return {
    ...(options.status !== undefined && { status: options.status }),
    ...(options.action !== undefined && { action: options.action }),
    ...(options.since !== undefined && { since: epochMs(options.since, 'since') }),
    ...(options.until !== undefined && { until: epochMs(options.until, 'until') }),
    ...(options.cursor !== undefined && { cursor: options.cursor }),
    ...(options.limit !== undefined && { limit: options.limit }),
  };
}

/** The `history` payload for a run and `options`. @internal */
export function historyPayload(
  requestId: string,
  options: HistoryOptions,
): Record<string, unknown> {
  return {
    request_id: requestId,
    ...(options.afterSeq !== undefined && { after_seq: options.afterSeq }),
    ...(options.limit !== undefined && { limit: options.limit }),
  };
}
