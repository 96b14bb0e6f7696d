import { z } from 'zod';
import { checkRequestId } from './clientMessage';
import { toValidationIssues } from './engineActions';
import { ProtocolError } from './errorCodes';
import { RUN_STATUSES, type RunStatusName } from './inspectData';

/**
 * The inspection actions — `list`, `describe`, `history` — what the
 * `streamer runs` CLI and the dashboard are built on (docs/protocol.md).
 * Their payloads, parsed here; the `data` of their responses is typed in
 * `inspectData.ts`. Like every engine action they answer with a `response`
 * carrying the message's own id, and see only the token's tenant.
 */

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
