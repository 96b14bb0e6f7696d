import { idProblem } from '../events/requestKey';
import { ProtocolError } from './errorCodes';
import { type ParseLimits, PROTOCOL_LIMITS } from './limits';
import { findPrototypeKey, forbiddenKeyError, parseJsonWithinLimits } from './safeJson';

/**
 * A client message after safe parsing (DESIGN §5):
 * `{"action": "...", "id"?: "...", "payload"?: {...}, "metadata"?: {...}}`.
 */
export interface ClientMessage {
  readonly action: string;
  /** The client's id for this message, from `id` or its alias `request_id`. */
  readonly id?: string;
  /** Whatever the client sent as `payload` (`undefined` when absent); the action's schema judges it. */
  readonly payload: unknown;
  /** The string entries of `metadata`; other values are ignored. */
  readonly metadata: Readonly<Record<string, string>>;
}

const ACTION_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]*$/;

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Checks a client-chosen request id against the id rules (`ID_RULES` in
 * `src/events/requestKey.ts`: well-formed Unicode, 1–128 characters, no
 * control or format characters). Returns it, or throws `VALIDATION_ERROR`
 * naming `field`.
 */
export function checkRequestId(value: unknown, field: string, requestId?: string): string {
  const problem = idProblem('requestId', value);
  if (problem !== undefined) {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      `${field} ${problem}`,
      { issues: [{ path: field, message: `Invalid request id: ${problem}` }] },
      { requestId },
    );
  }
  return value as string;
}

function keepStringMetadata(value: unknown): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!isPlainRecord(value)) return kept;
  let count = 0;
  for (const [key, entry] of Object.entries(value)) {
    if (count >= PROTOCOL_LIMITS.maxMetadataEntries) break;
    if (typeof entry !== 'string' || entry.length > PROTOCOL_LIMITS.maxMetadataValueLength)
      continue;
    kept[key] = entry;
    count++;
  }
  return kept;
}

/**
 * Parses one client message safely (size, nesting depth and prototype keys
 * checked before anything else looks at it). Unknown fields are ignored;
 * `request_id` is accepted as an alias of `id`; `metadata` keeps its string
 * values only.
 *
 * Throws a {@link ProtocolError}: `PAYLOAD_TOO_LARGE` over the size limit,
 * `VALIDATION_ERROR` for invalid JSON, a non-object, a bad id, a missing
 * action, too deep nesting or a `__proto__` key, and `INVALID_ACTION` for an
 * action name that cannot exist. The error carries the message's id when it
 * could be read.
 *
 * @example
 * parseClientMessage('{"action":"echo","request_id":"r1","payload":{"x":1}}');
 * // { action: 'echo', id: 'r1', payload: { x: 1 }, metadata: {} }
 */
export function parseClientMessage(
  text: string,
  limits: ParseLimits = PROTOCOL_LIMITS,
): ClientMessage {
  const value = parseJsonWithinLimits(text, limits);
  if (!isPlainRecord(value)) {
    throw new ProtocolError('VALIDATION_ERROR', 'Message must be a JSON object', {
      issues: [{ path: '', message: 'Expected an object' }],
    });
  }
  const rawId = own(value, 'id') ?? own(value, 'request_id');
  const id =
    rawId === undefined
      ? undefined
      : checkRequestId(rawId, Object.hasOwn(value, 'id') ? 'id' : 'request_id');
  const forbidden = findPrototypeKey(value);
  if (forbidden !== undefined) throw forbiddenKeyError(forbidden, id);
  const action = own(value, 'action');
  if (action === undefined || action === null || action === '') {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      'Message has no action',
      { issues: [{ path: 'action', message: 'Required' }] },
      { requestId: id },
    );
  }
  if (typeof action !== 'string') {
    throw new ProtocolError(
      'VALIDATION_ERROR',
      'action must be a string',
      { issues: [{ path: 'action', message: 'Expected a string' }] },
      { requestId: id },
    );
  }
  if (action.length > PROTOCOL_LIMITS.maxActionLength || !ACTION_PATTERN.test(action)) {
    throw new ProtocolError(
      'INVALID_ACTION',
      'Unknown action',
      { action: action.slice(0, 64) },
      { requestId: id },
    );
  }
  return {
    action,
    ...(id !== undefined && { id }),
    payload: own(value, 'payload'),
    metadata: keepStringMetadata(own(value, 'metadata')),
  };
}
