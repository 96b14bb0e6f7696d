import type { NewEvent, StoredEvent } from '../../src/events/event';
import type { EventStore, ReadOptions } from '../../src/events/eventStore';

/** Keeps each property run's requests apart in one shared table: every key gets `prefix`. */
export class PrefixedStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly prefix: string,
  ) {}

  append(requestKey: string, expectedVersion: number, events: readonly NewEvent[]) {
    return this.inner.append(this.prefix + requestKey, expectedVersion, events);
  }

  async read(requestKey: string, options?: ReadOptions): Promise<StoredEvent[]> {
    const events = await this.inner.read(this.prefix + requestKey, options);
    return events.map((event) => ({ ...event, requestKey }));
  }
}
