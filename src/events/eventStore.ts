import type { NewEvent, StoredEvent } from './event';

/** Options for {@link EventStore.read}. */
export interface ReadOptions {
  /** First `seq` to return (inclusive). Defaults to 1, the start of the log. */
  readonly fromSeq?: number;
}

/**
 * The port every event log adapter implements: an append-only, per-request
 * log with optimistic concurrency. Adapters: `DynamoDbEventStore`,
 * `InMemoryEventStore`; both pass `test/events/eventStoreContract.ts`.
 */
export interface EventStore {
  /**
   * Appends `events` after `expectedVersion` (the `seq` of the last event the
   * caller read; 0 for a new request), all or nothing, and returns the new
   * version. Throws `VersionConflictError` when another writer got there
   * first, `EventTooLargeError` / `AppendTooLargeError` over the limits.
   *
   * Any `expectedVersion` other than the log's current one is a conflict:
   * stale ones (even inside an earlier multi-event append) and ones ahead of
   * the log. The DynamoDB adapter checks a version it has not itself read or
   * written with one extra query (docs/events.md, "Storage layout").
   *
   * @example
   * const version = await store.append('acme#r1', 0, [
   *   { type: 'request.accepted', at: clock(), tenantId: 'acme', userId: 'u1', data },
   * ]); // 1
   */
  append(requestKey: string, expectedVersion: number, events: readonly NewEvent[]): Promise<number>;

  /** Reads the log in `seq` order (strongly consistent), from `fromSeq` on. */
  read(requestKey: string, options?: ReadOptions): Promise<StoredEvent[]>;
}
