import { z } from 'zod';
import { AppendTooLargeError, EventTooLargeError, InvalidAppendError } from './errors';
import { EVENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from './event';
import { EVENT_STORE_LIMITS } from './limits';

/**
 * The flat record an event is stored as. `data` is kept as a JSON string so
 * any JSON value round-trips exactly (DynamoDB maps lose `undefined`, reject
 * empty sets and cap number precision) and so the item size is exact.
 */
export interface EventItem {
  readonly requestKey: string;
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly tenantId: string;
  readonly userId: string;
  readonly data: string;
  readonly schemaVersion: number;
}

const eventItemSchema = z.object({
  requestKey: z.string().min(1),
  seq: z.number().int().positive(),
  type: z.string().min(1),
  at: z.number(),
  tenantId: z.string().min(1),
  userId: z.string(),
  data: z.string(),
  schemaVersion: z.number().int().positive(),
});

/** Builds the stored record of `event` at position `seq`. */
export function toEventItem(requestKey: string, seq: number, event: NewEvent): EventItem {
  return {
    requestKey,
    seq,
    type: event.type,
    at: event.at,
    tenantId: event.tenantId,
    userId: event.userId,
    data: JSON.stringify(event.data ?? null),
    schemaVersion: event.schemaVersion ?? EVENT_SCHEMA_VERSION,
  };
}

/** Turns a stored record (from a query or a stream image) back into an event. */
export function fromEventItem(item: unknown): StoredEvent {
  const parsed = eventItemSchema.parse(item);
  return { ...parsed, data: JSON.parse(parsed.data) as unknown };
}

const utf8 = new TextEncoder();

/**
 * Size of the item as DynamoDB counts it: attribute names plus values
 * (strings as UTF-8 bytes, numbers at their 21-byte worst case).
 */
export function eventItemSize(item: EventItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += utf8.encode(name).length;
    size += typeof value === 'number' ? 21 : utf8.encode(String(value)).length;
  }
  return size;
}

/**
 * Validates an append against the limits every adapter shares and returns the
 * items to write. Throws before anything is written.
 */
export function prepareAppend(
  requestKey: string,
  expectedVersion: number,
  events: readonly NewEvent[],
): EventItem[] {
  if (requestKey.length === 0) throw new InvalidAppendError('requestKey must not be empty');
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
    throw new InvalidAppendError(
      `expectedVersion must be a whole number >= 0, got ${expectedVersion}`,
    );
  }
  if (events.length === 0)
    throw new InvalidAppendError(`Append to request ${requestKey} has no events`);
  if (events.length > EVENT_STORE_LIMITS.maxEventsPerAppend) {
    throw new AppendTooLargeError(
      requestKey,
      'events',
      events.length,
      EVENT_STORE_LIMITS.maxEventsPerAppend,
    );
  }
  let total = 0;
  const items = events.map((event, index) => {
    const item = toEventItem(requestKey, expectedVersion + index + 1, event);
    const size = eventItemSize(item);
    if (size > EVENT_STORE_LIMITS.maxItemBytes) {
      throw new EventTooLargeError(
        requestKey,
        item.seq,
        item.type,
        size,
        EVENT_STORE_LIMITS.maxItemBytes,
      );
    }
    total += size;
    return item;
  });
  if (total > EVENT_STORE_LIMITS.maxAppendBytes) {
    throw new AppendTooLargeError(requestKey, 'bytes', total, EVENT_STORE_LIMITS.maxAppendBytes);
  }
  return items;
}
