import { hashHex } from '../engine/hash';
import { idProblem } from '../events/requestKey';
import type { RunListPosition } from '../projections/runList';
import { type ListPayload, ProtocolError } from '../protocol';

/**
 * The `list` cursor: base64url of `{ v, r, c, f }` — the client's own id of
 * the last run examined (`r`), its `createdAt` (`c`) and a fingerprint of
 * the filters (`f`). It holds no tenant and no storage key: the router
 * rebuilds the index key from the token's tenant, so a cursor — forged,
 * edited or taken from another tenant — can only move a listing within the
 * caller's own partition (a run id the tenant does not have is just a
 * position). The fingerprint turns a cursor sent with other filters into a
 * clear `VALIDATION_ERROR` instead of a silently wrong page.
 */

const VERSION = 1;

type Filters = Pick<ListPayload, 'status' | 'action' | 'since' | 'until'>;

function fingerprint(filters: Filters): string {
  return hashHex(
    JSON.stringify([
      filters.status ?? '',
      filters.action ?? '',
      filters.since ?? -1,
      filters.until ?? -1,
    ]),
  );
}

/**
 * The cursor for the page after `position`, under `filters`.
 *
 * @example
 * encodeListCursor({ requestId: 'r-9', createdAt: 1767225600000 }, { status: 'FAILED' }); // 'eyJ2IjoxLC…'
 */
export function encodeListCursor(position: RunListPosition, filters: Filters): string {
  const body = {
    v: VERSION,
    r: position.requestId,
    c: position.createdAt,
    f: fingerprint(filters),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/**
 * Reads a cursor sent with `filters`; throws `VALIDATION_ERROR` (path
 * `payload.cursor`) for anything that is not a cursor this code wrote for
 * the same filters.
 */
export function decodeListCursor(
  cursor: string,
  filters: Filters,
  messageId: string | undefined,
): RunListPosition {
  const invalid = (message: string) =>
    new ProtocolError(
      'VALIDATION_ERROR',
      'Invalid list payload',
      { issues: [{ path: 'payload.cursor', message }] },
      { requestId: messageId },
    );
  let body: { v?: unknown; r?: unknown; c?: unknown; f?: unknown };
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof body;
  } catch {
    throw invalid('not a cursor from list');
  }
  if (typeof body !== 'object' || body === null || body.v !== VERSION) {
    throw invalid('not a cursor from list');
  }
  const { r: requestId, c: createdAt } = body;
  if (idProblem('requestId', requestId) !== undefined) throw invalid('not a cursor from list');
  if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || createdAt < 0) {
    throw invalid('not a cursor from list');
  }
  if (body.f !== fingerprint(filters)) {
    throw invalid('this cursor belongs to a list with other filters: send the same ones');
  }
  return { requestId: requestId as string, createdAt };
}
