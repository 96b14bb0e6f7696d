import { z } from 'zod';
import { checkRequestId } from './clientMessage';
import { toValidationIssues } from './engineActions';
import type { FrameError } from './errorCodes';
import { ProtocolError } from './errorCodes';
import type { MachineGraph } from './machineGraph';

/**
 * The inspection actions — `list`, `describe`, `history` — what the
 * `streamer runs` CLI and the dashboard are built on (docs/protocol.md).
 * Their payloads, parsed here, and the `data` of their responses, typed here
 * for the client. Like every engine action they answer with a `response`
 * carrying the message's own id, and see only the token's tenant.
 */

/** The statuses of a run (the request view's `status`). */
export const RUN_STATUSES = [
  'PENDING',
  'PROCESSING',
  'RETRYING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'DEAD_LETTERED',
] as const;

/** One of {@link RUN_STATUSES}. */
export type RunStatusName = (typeof RUN_STATUSES)[number];

/** Limits of the inspection payloads. */
export const INSPECT_LIMITS = {
  /** Runs per `list` page when `limit` is not given, and at most. */
  defaultListLimit: 25,
  maxListLimit: 100,
  /** Events per `history` page when `limit` is not given, and at most. */
  defaultHistoryLimit: 200,
  maxHistoryLimit: 500,
  /** Longest cursor accepted, in characters. */
  maxCursorLength: 1024,
} as const;

const epochMs = z.number().int().min(0).max(8.64e15);

const listSchema = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  action: z.string().min(1).max(64).optional(),
  since: epochMs.optional(),
  until: epochMs.optional(),
  cursor: z.string().min(1).max(INSPECT_LIMITS.maxCursorLength).optional(),
  limit: z.number().int().min(1).max(INSPECT_LIMITS.maxListLimit).optional(),
});

const describeSchema = z.object({
  action: z.string().min(1).max(64),
  version: z.number().int().min(1).optional(),
});

const historySchema = z.object({
  request_id: z.unknown().optional(),
  id: z.unknown().optional(),
  after_seq: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(INSPECT_LIMITS.maxHistoryLimit).optional(),
});

/** The parsed payload of `list`. */
export interface ListPayload {
  readonly status?: RunStatusName;
  readonly action?: string;
  /** Runs created at or after this epoch ms. */
  readonly since?: number;
  /** Runs created at or before this epoch ms. */
  readonly until?: number;
  /** From the previous page's `cursor`; opaque. */
  readonly cursor?: string;
  readonly limit: number;
}

/** The parsed payload of `describe`. */
export interface DescribePayload {
  readonly action: string;
  /** Default: the newest registered version. */
  readonly version?: number;
}

/** The parsed payload of `history`. */
export interface HistoryPayload {
  readonly requestId: string;
  /** Events after this `seq` (default 0: from the start). */
  readonly afterSeq: number;
  readonly limit: number;
}

function parseWith<T>(schema: z.ZodType<T>, action: string, payload: unknown, messageId?: string) {
  const parsed = schema.safeParse(payload ?? {});
  if (parsed.success) return parsed.data;
  throw new ProtocolError(
    'VALIDATION_ERROR',
    `Invalid ${action} payload`,
    { issues: toValidationIssues(parsed.error, 'payload') },
    { requestId: messageId },
  );
}

/**
 * Validates a `list` payload: every filter optional, `since` ≤ `until`.
 *
 * @example
 * parseListPayload({ status: 'FAILED', limit: 10 }, 'm1'); // { status: 'FAILED', limit: 10 }
 */
export function parseListPayload(payload: unknown, messageId?: string): ListPayload {
  const data = parseWith(listSchema, 'list', payload, messageId);
  if (data.since !== undefined && data.until !== undefined && data.since > data.until) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      'Invalid list payload',
      { issues: [{ path: 'payload.since', message: 'must not be after payload.until' }] },
      { requestId: messageId },
    );
  }
  return { ...data, limit: data.limit ?? INSPECT_LIMITS.defaultListLimit };
}

/** Validates a `describe` payload. */
export function parseDescribePayload(payload: unknown, messageId?: string): DescribePayload {
  return parseWith(describeSchema, 'describe', payload, messageId);
}

/** Validates a `history` payload; `payload.request_id` (alias `id`) names the run. */
export function parseHistoryPayload(payload: unknown, messageId?: string): HistoryPayload {
  const data = parseWith(historySchema, 'history', payload, messageId);
  const target = data.request_id ?? data.id;
  if (target === undefined) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      'history needs payload.request_id, the id of the request it is about',
      { issues: [{ path: 'payload.request_id', message: 'Required' }] },
      { requestId: messageId },
    );
  }
  return {
    requestId: checkRequestId(target, 'payload.request_id', messageId),
    afterSeq: data.after_seq ?? 0,
    limit: data.limit ?? INSPECT_LIMITS.defaultHistoryLimit,
  };
}

/** One run in a `list` page: its request view, without input, result or storage keys. */
export interface RunSummary {
  readonly request_id: string;
  readonly action: string;
  readonly status: RunStatusName;
  /** 0–100. */
  readonly progress: number;
  readonly progress_message?: string;
  /** The `sub` of the token that started it. */
  readonly user_id: string;
  readonly created_at: number;
  readonly processing_started?: number;
  readonly processing_ended?: number;
  readonly retry_count: number;
  readonly max_retries: number;
  readonly error?: Omit<FrameError, 'code'> & { readonly code: string };
  /** The log position the view reflects (the view trails the log by a moment). */
  readonly last_seq: number;
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
