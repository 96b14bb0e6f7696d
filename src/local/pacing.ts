import { setTimeout as sleepFor } from 'node:timers/promises';

/** How long to wait before retry number `attempt` (1, 2, …): doubling from `initialMs`, capped at `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The delay before retry number `attempt` (1-based): `initialMs`, then twice
 * as long each time, never more than `maxMs` — what Lambda's pollers do
 * between failed polls and invocations, in the local mappings.
 *
 * @example
 * backoffDelay(3, { initialMs: 100, maxMs: 2_000 }); // 400
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: Backoff): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Sleeps `ms`, waking early — without throwing — when `signal` aborts (a
 * mapping that stops must not wait out a backoff).
 *
 * @example
 * await sleepUnlessAborted(250, this.#abort.signal);
 */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleepFor(ms, undefined, { signal }).catch(() => undefined);
}
