import { setTimeout as sleep } from 'node:timers/promises';
import {
  acceptRequest,
  type DeadLetterMessage,
  type RunOutcome,
  runRequest,
  type WorkflowRegistry,
  wakeUpAt,
} from '../../../src/engine';
import type { FlowControl } from '../../../src/engine/flowGate';
import type { EventStore } from '../../../src/events/eventStore';
import { isTerminalEvent } from '../../../src/events/lifecycle';
import { toRequestKey } from '../../../src/events/requestKey';

/** A clock a test may move by hand (the fake clock of the harness); a real one is moved by time. */
export interface TestClock {
  (): number;
  set?(time: number): void;
}

/** Options of {@link startProcessors}. */
export interface ProcessorsOptions {
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly flowControl?: FlowControl;
  readonly clock: TestClock;
  /** Concurrent runner loops on the same store and wake-up queue. Default 2. */
  readonly processors?: number;
  /** Requests each processor runs at once (a batch's records run in parallel). Default 10. */
  readonly parallel?: number;
  /** Deliver each submission's first wake-up to every processor (a duplicated stream record). */
  readonly duplicateDeliveries?: boolean;
}

/**
 * Processors racing on one store, the way the stream and the wake-up queue
 * drive them: each loop takes the next due wake-up, runs the request, and
 * queues the wake-ups its outcome asks for (`wakeUpAt`, and the queued runs
 * a released slot lets start). With a fake clock, an idle system jumps it
 * to the next wake-up.
 */
export function startProcessors(options: ProcessorsOptions) {
  const { store, registry, clock } = options;
  const due: { key: string; dueAt: number; only?: number }[] = [];
  const outcomes = new Map<string, RunOutcome[]>();
  const submitted: string[] = [];
  const deadLetters: DeadLetterMessage[] = [];
  let busy = 0;

  const schedule = (key: string, dueAt: number, only?: number) =>
    due.push({ key, dueAt, ...(only !== undefined && { only }) });
  const take = (processor: number) => {
    const now = clock();
    const index = due.findIndex(
      (item) => item.dueAt <= now && (item.only === undefined || item.only === processor),
    );
    return index === -1 ? undefined : due.splice(index, 1)[0];
  };
  const runOne = async (key: string) => {
    const outcome = await runRequest({
      store,
      registry,
      requestKey: key,
      clock,
      remainingTimeMs: () => 60_000,
      deadLetterSink: { send: async (message) => void deadLetters.push(message) },
      ...(options.flowControl && { flowControl: options.flowControl }),
    });
    outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
    const dueAt = wakeUpAt(outcome);
    if (dueAt !== undefined) schedule(key, dueAt);
    for (const woken of outcome.flow?.wake ?? []) schedule(woken, clock());
  };
  const finished = async () => {
    for (const key of submitted) {
      const log = await store.read(key);
      if (!log.some(isTerminalEvent)) return false;
    }
    return true;
  };
  const failures: unknown[] = [];
  const loop = async (processor: number, deadline: number) => {
    const running = new Set<Promise<void>>();
    while (Date.now() < deadline) {
      if (failures.length > 0) throw failures[0];
      const item = running.size < (options.parallel ?? 10) ? take(processor) : undefined;
      if (item) {
        busy += 1;
        const run: Promise<void> = runOne(item.key)
          .catch((error: unknown) => void failures.push(error))
          .finally(() => {
            busy -= 1;
            running.delete(run);
          });
        running.add(run);
        continue;
      }
      if (busy === 0 && (await finished())) return;
      if (busy === 0 && clock.set && due.length > 0) {
        clock.set(Math.min(...due.map((next) => next.dueAt)));
      }
      await sleep(2);
    }
    throw new Error('the requests did not finish in time');
  };
  const count = options.processors ?? 2;

  return {
    outcomes,
    deadLetters,
    /** Accepts a request; its first wake-up goes to a processor (to every one, when duplicated). */
    async submit(tenantId: string, action: string, input: unknown, requestId: string) {
      await acceptRequest(store, {
        workflow: registry.require(action),
        tenantId,
        userId: `user-of-${tenantId}`,
        requestId,
        input,
        now: clock(),
      });
      const key = toRequestKey(tenantId, requestId);
      submitted.push(key);
      if (options.duplicateDeliveries) {
        for (let p = 0; p < count; p++) schedule(key, clock(), p);
      } else schedule(key, clock());
      return key;
    },
    /** Runs every processor until every request submitted has ended. */
    async drain(timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      await Promise.all(Array.from({ length: count }, (_, p) => loop(p, deadline)));
    },
  };
}
