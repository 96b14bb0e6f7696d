/**
 * The event envelope: one item of a request's append-only log.
 *
 * Every event of every request has the same envelope; what differs is `type`
 * and `data`. The lifecycle types the engine writes are catalogued in
 * `lifecycle.ts`.
 */

/** Version of the envelope layout itself (not of any workflow). */
export const EVENT_SCHEMA_VERSION = 1;

/** An event as stored in, and read back from, a request's log. */
export interface StoredEvent<Type extends string = string, Data = unknown> {
  /** Tenant-scoped storage key of the request (see {@link requestKey}). */
  readonly requestKey: string;
  /** Position in the log: 1, 2, 3 … dense, unique per request. */
  readonly seq: number;
  readonly type: Type;
  /** When the event was recorded, Unix epoch milliseconds (from an injected clock). */
  readonly at: number;
  readonly tenantId: string;
  readonly userId: string;
  /** JSON-serialisable payload; its shape depends on `type`. */
  readonly data: Data;
  /** Envelope layout version, {@link EVENT_SCHEMA_VERSION} when written. */
  readonly schemaVersion: number;
}

/**
 * An event about to be appended: the store assigns `requestKey` and `seq`.
 * `schemaVersion` defaults to {@link EVENT_SCHEMA_VERSION}.
 */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly at: number;
  readonly tenantId: string;
  readonly userId: string;
  readonly data: Data;
  readonly schemaVersion?: number;
}
