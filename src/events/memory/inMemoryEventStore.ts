import { type CommitItem, eventsOfItem, prepareCommit } from '../commitItem';
import { VersionConflictError } from '../errors';
import type { NewEvent, StoredEvent } from '../event';
import type { EventStore, ReadOptions } from '../eventStore';

/** A request's log: its commit items in `seq` order, and its version. */
interface Log {
  readonly items: CommitItem[];
  version: number;
}

/**
 * An `EventStore` in process memory, for unit and property tests. It passes
 * the same contract suite as the DynamoDB adapter, stores the same encoded
 * commit items (so events are copied, never shared), and is stricter in one
 * way: it also rejects an `expectedVersion` ahead of the log.
 */
export class InMemoryEventStore implements EventStore {
  readonly #logs = new Map<string, Log>();
  readonly #listeners = new Set<(event: StoredEvent) => void>();

  async append(
    requestKey: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<number> {
    const items = prepareCommit(requestKey, expectedVersion, events);
    const log = this.#logs.get(requestKey) ?? { items: [], version: 0 };
    if (log.version !== expectedVersion) {
      throw new VersionConflictError({ requestKey, expectedVersion, actualVersion: log.version });
    }
    log.items.push(...items);
    log.version = expectedVersion + events.length;
    this.#logs.set(requestKey, log);
    if (this.#listeners.size > 0) {
      for (const event of items.flatMap(eventsOfItem))
        for (const listener of this.#listeners) listener(event);
    }
    return log.version;
  }

  async read(requestKey: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const fromSeq = options.fromSeq ?? 1;
    return (this.#logs.get(requestKey)?.items ?? [])
      .filter((item) => item.lastSeq >= fromSeq)
      .flatMap(eventsOfItem)
      .filter((event) => event.seq >= fromSeq);
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
