import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore, ReadOptions } from '../events/eventStore';
import type { FakeTime } from './fakeTime';

const realSetImmediate = globalThis.setImmediate;

/** One turn of the real event loop (microtasks drain before it). */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/**
 * What is in flight right now: store calls, step functions not parked on the
 * fake clock, projections. When none is, everything left is waiting on fake
 * time, and the test engine may move the clock.
 */
export class Activity {
  readonly #time: FakeTime;
  #storeOps = 0;
  #steps = 0;
  #projections = 0;

  constructor(time: FakeTime) {
    this.#time = time;
  }

  /** True while real work is in flight (a step parked on `FakeTime.sleep` is not). */
  get busy(): boolean {
    return this.#storeOps > 0 || this.#projections > 0 || this.#steps > this.#time.sleeping;
  }

  async storeOp<T>(op: () => Promise<T>): Promise<T> {
    this.#storeOps++;
    try {
      return await op();
    } finally {
      this.#storeOps--;
    }
  }

  async projection<T>(op: () => Promise<T>): Promise<T> {
    this.#projections++;
    try {
      return await op();
    } finally {
      this.#projections--;
    }
  }

  stepEntered(): void {
    this.#steps++;
  }

  stepLeft(): void {
    this.#steps--;
  }
}

/**
 * The event store as the test engine sees it: every call counted as
 * activity, every append announced (the in-memory stand-in for the table's
 * stream, which wakes the processor and the projector).
 */
export class ObservedStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly activity: Activity,
    private readonly onAppended: (requestKey: string, events: readonly NewEvent[]) => void,
  ) {}

  append(requestKey: string, expectedVersion: number, events: readonly NewEvent[]) {
    return this.activity.storeOp(async () => {
      const version = await this.inner.append(requestKey, expectedVersion, events);
      this.onAppended(requestKey, events);
      return version;
    });
  }

  read(requestKey: string, options?: ReadOptions): Promise<StoredEvent[]> {
    return this.activity.storeOp(() => this.inner.read(requestKey, options));
  }
}
