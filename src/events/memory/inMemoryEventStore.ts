import { VersionConflictError } from '../errors';
import type { NewEvent, StoredEvent } from '../event';
import { type EventItem, fromEventItem, prepareAppend } from '../eventItem';
import type { EventStore, ReadOptions } from '../eventStore';

/**
 * An `EventStore` in process memory, for unit and property tests. It passes
 * the same contract suite as the DynamoDB adapter, stores the same encoded
 * items (so events are copied, never shared), and is stricter in one way: it
 * also rejects an `expectedVersion` ahead of the log.
 */
export class InMemoryEventStore implements EventStore {
  readonly #logs = new Map<string, EventItem[]>();
  readonly #listeners = new Set<(event: StoredEvent) => void>();

  async append(
    requestKey: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<number> {
    const items = prepareAppend(requestKey, expectedVersion, events);
    const log = this.#logs.get(requestKey) ?? [];
    if (log.length !== expectedVersion) {
      throw new VersionConflictError({ requestKey, expectedVersion, actualVersion: log.length });
    }
    log.push(...items);
    this.#logs.set(requestKey, log);
    for (const item of items) for (const listener of this.#listeners) listener(fromEventItem(item));
    return log.length;
  }

  async read(requestKey: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const fromSeq = options.fromSeq ?? 1;
    return (this.#logs.get(requestKey) ?? [])
      .filter((item) => item.seq >= fromSeq)
      .map(fromEventItem);
  }

  /**
   * Calls `listener` with each event after it is appended, the in-memory
   * stand-in for a table's stream. Returns a function that unsubscribes.
   * @internal
   */
  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keys of every request with at least one event. @internal */
  requestKeys(): string[] {
    return [...this.#logs.keys()];
  }
}
