import {
  acceptRequest,
  type DeadLetterMessage,
  type FlowControl,
  type RunOutcome,
  runRequest,
  type WorkflowRegistry,
} from '../../../src/engine';
import type { StoredEvent } from '../../../src/events/event';
import type { EventStore } from '../../../src/events/eventStore';
import { InMemoryEventStore } from '../../../src/events/memory/inMemoryEventStore';
import { parseRequestKey, toRequestKey } from '../../../src/events/requestKey';
import { foldRequestView, type RequestView } from '../../../src/projections/requestView';

/** A fake clock the test moves by hand. */
export interface FakeClock {
  (): number;
  set(time: number): void;
  advance(ms: number): void;
}

/** A clock that ticks 1 ms per reading (so events get distinct, increasing `at`). */
export function fakeClock(start = 1_700_000_000_000): FakeClock {
  let time = start;
  const clock = (() => time++) as FakeClock;
  clock.set = (next) => {
    time = Math.max(time, next);
  };
  clock.advance = (ms) => {
    time += ms;
  };
  return clock;
}

/** Options of one run. */
export interface RunOptions {
  /** Time left for the run (default: a minute). */
  readonly remainingMs?: number;
  readonly store?: EventStore;
}

/** Everything a lifecycle test needs around the engine: store, clock, DLQ, helpers. */
export function createHarness(
  registry: WorkflowRegistry,
  store: EventStore = new InMemoryEventStore(),
  /** Concurrency slots and circuits every run uses (none by default). */
  flowControl?: FlowControl,
) {
  const clock = fakeClock();
  const deadLetters: DeadLetterMessage[] = [];
  const deadLetterSink = {
    send: async (message: DeadLetterMessage) => void deadLetters.push(message),
  };
  const tenantId = 'acme';
  const userId = 'ann';

  const harness = {
    store,
    clock,
    registry,
    deadLetters,
    tenantId,
    userId,
    key: (id: string) => toRequestKey(tenantId, id),
    async submit(action: string, input: unknown, id = 'r1') {
      return acceptRequest(store, {
        workflow: registry.require(action),
        tenantId,
        userId,
        requestId: id,
        connectionId: 'conn-1',
        input,
        now: clock(),
      });
    },
    run(id = 'r1', options: RunOptions = {}): Promise<RunOutcome> {
      const remaining = options.remainingMs ?? 60_000;
      return runRequest({
        store: options.store ?? store,
        registry,
        requestKey: toRequestKey(tenantId, id),
        clock,
        remainingTimeMs: () => remaining,
        deadLetterSink,
        safetyMarginMs: Math.min(1_000, Math.floor(remaining / 4)),
        ...(flowControl && { flowControl }),
      });
    },
    /**
     * Runs until the request stops needing the runner: jumps the clock to
     * each retry, each durable timer and the end of a crashed runner's lease.
     */
    async settle(id = 'r1', options: RunOptions = {}): Promise<RunOutcome[]> {
      const outcomes: RunOutcome[] = [];
      for (let i = 0; i < 200; i++) {
        const outcome = await harness.run(id, options);
        outcomes.push(outcome);
        if (outcome.kind === 'retry_scheduled') clock.set(outcome.retryAt);
        else if (outcome.kind === 'timer_scheduled') clock.set(outcome.fireAt);
        else if (outcome.kind === 'lost_race' && outcome.retryAt !== undefined)
          clock.set(outcome.retryAt);
        else if (outcome.kind === 'queued') clock.set(outcome.recheckAt);
        else if (outcome.kind !== 'suspended') return outcomes;
      }
      throw new Error(`request ${id} did not settle in 200 runs`);
    },
    /**
     * Settles every request in the store (children and parents wake each
     * other), until a whole pass appends nothing.
     */
    async settleAll(options: RunOptions = {}): Promise<void> {
      const keys = () => (store as InMemoryEventStore).requestKeys();
      for (let pass = 0; pass < 50; pass++) {
        const before = await Promise.all(keys().map(async (key) => (await store.read(key)).length));
        for (const key of keys()) await harness.settle(parseRequestKey(key).requestId, options);
        const after = await Promise.all(keys().map(async (key) => (await store.read(key)).length));
        if (after.length === before.length && after.every((n, i) => n === before[i])) return;
      }
      throw new Error('the requests did not settle in 50 passes');
    },
    log(id = 'r1'): Promise<StoredEvent[]> {
      return store.read(toRequestKey(tenantId, id));
    },
    async view(id = 'r1'): Promise<RequestView | undefined> {
      return foldRequestView(await harness.log(id));
    },
    async types(id = 'r1'): Promise<string[]> {
      return (await harness.log(id)).map((event) => event.type);
    },
  };
  return harness;
}

/** The harness type. */
export type Harness = ReturnType<typeof createHarness>;
