import {
  AppendTooLargeError,
  CorruptLogItemError,
  EventTooLargeError,
  InvalidAppendError,
} from './errors';
import { EVENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from './event';
import { EVENT_STORE_LIMITS } from './limits';

/**
 * The stored record of one append (a *commit*): every event of the append in
 * one item, keyed by the `seq` of its first event. `lastSeq` records where it
 * ends, so the items of a log tile `1 … version` with no gap and no overlap
 * (see `docs/events.md`, "Storage layout"). `events` is a JSON array, so any
 * JSON value round-trips exactly (DynamoDB maps lose `undefined`, reject empty
 * sets and cap number precision) and the item's size is known before the write.
 */
export interface CommitItem {
  readonly requestKey: string;
  /** `seq` of the commit's first event: the sort key. */
  readonly seq: number;
  /** `seq` of its last event. */
  readonly lastSeq: number;
  /** The distinct event types (a string set), for stream filters and wake-up checks. */
  readonly types: ReadonlySet<string>;
  /** The events as a JSON array of {@link EncodedEvent}, in `seq` order. */
  readonly events: string;
}

/** One event inside a commit item: the envelope without the key and `seq`, which the item gives. */
interface EncodedEvent {
  readonly type: string;
  readonly at: number;
  readonly tenantId: string;
  readonly userId: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

const utf8 = new TextEncoder();
const bytes = (text: string) => utf8.encode(text).length;

/** Attribute names of a commit item and its two numbers, at DynamoDB's 21-byte worst case per number. */
const FIXED_BYTES =
  bytes('requestKey') + bytes('seq') + bytes('lastSeq') + bytes('types') + bytes('events') + 2 * 21;

/** Bytes a string set adds per element beyond the string itself (DynamoDB's documented overhead, rounded up). */
const SET_ELEMENT_OVERHEAD = 1;

function encodeEvent(event: NewEvent): string {
  const encoded: EncodedEvent = {
    type: event.type,
    at: event.at,
    tenantId: event.tenantId,
    userId: event.userId,
    schemaVersion: event.schemaVersion ?? EVENT_SCHEMA_VERSION,
    data: event.data ?? null,
  };
  return JSON.stringify(encoded);
}

/** A commit item under construction: its encoded events and the size they add up to. */
interface Chunk {
  readonly firstSeq: number;
  readonly encoded: string[];
  readonly types: Set<string>;
  size: number;
}

/** The size `chunk` would have with one more event of `type` whose JSON is `fragmentBytes` long. */
function sizeWith(chunk: Chunk, fragmentBytes: number, type: string): number {
  const typeBytes = chunk.types.has(type) ? 0 : bytes(type) + SET_ELEMENT_OVERHEAD;
  // A comma between elements; the brackets are in the chunk's base size.
  return chunk.size + fragmentBytes + typeBytes + (chunk.encoded.length > 0 ? 1 : 0);
}

function newChunk(requestKey: string, firstSeq: number): Chunk {
  // `[` and `]` of the events array, plus the key and the fixed attributes.
  return { firstSeq, encoded: [], types: new Set(), size: FIXED_BYTES + bytes(requestKey) + 2 };
}

function toItem(requestKey: string, chunk: Chunk): CommitItem {
  return {
    requestKey,
    seq: chunk.firstSeq,
    lastSeq: chunk.firstSeq + chunk.encoded.length - 1,
    types: chunk.types,
    events: `[${chunk.encoded.join(',')}]`,
  };
}

function checkAppend(requestKey: string, expectedVersion: number, events: readonly NewEvent[]) {
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
}

/**
 * Validates an append against the limits every adapter shares and returns
 * the items to write: one commit item in all but extreme cases; several
 * consecutive ones (written in one transaction) only when the events do not
 * fit one 400 KB item together. Throws before anything is written.
 */
export function prepareCommit(
  requestKey: string,
  expectedVersion: number,
  events: readonly NewEvent[],
): CommitItem[] {
  checkAppend(requestKey, expectedVersion, events);
  const chunks: Chunk[] = [];
  let chunk = newChunk(requestKey, expectedVersion + 1);
  let total = 0;
  events.forEach((event, index) => {
    const seq = expectedVersion + index + 1;
    const fragment = encodeEvent(event);
    const fragmentBytes = bytes(fragment);
    const alone = sizeWith(newChunk(requestKey, seq), fragmentBytes, event.type);
    if (alone > EVENT_STORE_LIMITS.maxItemBytes) {
      throw new EventTooLargeError(
        requestKey,
        seq,
        event.type,
        alone,
        EVENT_STORE_LIMITS.maxItemBytes,
      );
    }
    if (sizeWith(chunk, fragmentBytes, event.type) > EVENT_STORE_LIMITS.maxItemBytes) {
      chunks.push(chunk);
      chunk = newChunk(requestKey, seq);
    }
    chunk.size = sizeWith(chunk, fragmentBytes, event.type);
    chunk.encoded.push(fragment);
    chunk.types.add(event.type);
    total += fragmentBytes;
  });
  chunks.push(chunk);
  if (total > EVENT_STORE_LIMITS.maxAppendBytes) {
    throw new AppendTooLargeError(requestKey, 'bytes', total, EVENT_STORE_LIMITS.maxAppendBytes);
  }
  return chunks.map((c) => toItem(requestKey, c));
}

/**
 * Size of a commit item as DynamoDB counts it (attribute names plus values:
 * strings as UTF-8 bytes, numbers at their 21-byte worst case).
 */
export function commitItemSize(item: CommitItem): number {
  let size = FIXED_BYTES + bytes(item.requestKey) + bytes(item.events);
  for (const type of item.types) size += bytes(type) + SET_ELEMENT_OVERHEAD;
  return size;
}

/** Where a stored item sits in its log: the `seq`s it spans. */
export interface ItemSpan {
  readonly seq: number;
  readonly lastSeq: number;
}

/** The span of a stored item: a commit item, or a one-event item of the first layout. */
export function spanOf(item: { readonly seq: number; readonly lastSeq?: number }): ItemSpan {
  return { seq: item.seq, lastSeq: item.lastSeq ?? item.seq };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function corrupt(item: Record<string, unknown>, reason: string): CorruptLogItemError {
  return new CorruptLogItemError(
    typeof item.requestKey === 'string' ? item.requestKey : '?',
    typeof item.seq === 'number' ? item.seq : Number.NaN,
    reason,
  );
}

function decodeEvent(
  item: Record<string, unknown>,
  requestKey: string,
  seq: number,
  raw: unknown,
): StoredEvent {
  if (
    !isRecord(raw) ||
    typeof raw.type !== 'string' ||
    raw.type.length === 0 ||
    typeof raw.at !== 'number' ||
    typeof raw.tenantId !== 'string' ||
    raw.tenantId.length === 0 ||
    typeof raw.userId !== 'string' ||
    !Number.isInteger(raw.schemaVersion) ||
    !('data' in raw)
  ) {
    throw corrupt(item, `event ${seq} is not an event envelope`);
  }
  return {
    requestKey,
    seq,
    type: raw.type,
    at: raw.at,
    tenantId: raw.tenantId,
    userId: raw.userId,
    data: raw.data,
    schemaVersion: raw.schemaVersion as number,
  };
}

/** The events of a first-layout item (one event per item, `data` as a JSON string). */
function legacyEvent(item: Record<string, unknown>, requestKey: string, seq: number): StoredEvent {
  const { type, at, tenantId, userId, data, schemaVersion } = item;
  if (
    typeof type !== 'string' ||
    typeof at !== 'number' ||
    typeof tenantId !== 'string' ||
    typeof userId !== 'string' ||
    typeof data !== 'string' ||
    !Number.isInteger(schemaVersion)
  ) {
    throw corrupt(item, 'it is neither a commit item nor a one-event item of the first layout');
  }
  return {
    requestKey,
    seq,
    type,
    at,
    tenantId,
    userId,
    data: JSON.parse(data) as unknown,
    schemaVersion: schemaVersion as number,
  };
}

/**
 * The events a stored item holds (from a query or a stream image, already
 * unmarshalled), in `seq` order. A one-event item of the first layout (no
 * `lastSeq`, no `events`) reads as a commit of one event, so logs written
 * before the commit layout stay readable. Throws {@link CorruptLogItemError}
 * for anything else.
 */
export function eventsOfItem(value: unknown): StoredEvent[] {
  if (!isRecord(value)) throw new CorruptLogItemError('?', Number.NaN, 'it is not an item');
  const { requestKey, seq } = value;
  if (typeof requestKey !== 'string' || requestKey.length === 0 || !Number.isInteger(seq)) {
    throw corrupt(value, 'it has no requestKey or seq');
  }
  const first = seq as number;
  if (value.events === undefined) return [legacyEvent(value, requestKey, first)];
  if (typeof value.events !== 'string' || !Number.isInteger(value.lastSeq)) {
    throw corrupt(value, 'its events or lastSeq are malformed');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(value.events);
  } catch {
    throw corrupt(value, 'its events are not JSON');
  }
  const count = (value.lastSeq as number) - first + 1;
  if (!Array.isArray(raw) || raw.length !== count) {
    throw corrupt(
      value,
      `it spans ${count} seqs but holds ${Array.isArray(raw) ? raw.length : 0} events`,
    );
  }
  return raw.map((event, index) => decodeEvent(value, requestKey, first + index, event));
}
