import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one place the bench turns samples into figures and sends load on a
 * schedule: every scenario and the load generator use these, so a p99 means
 * the same thing everywhere.
 */

/** Percentiles of a set of latency samples, in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * A latency histogram: exact samples while recording, serialised as JSON
 * with its percentiles and coarse buckets (what the load generator sends
 * back to the bench process).
 */
export interface HistogramJson {
  readonly summary: LatencySummary;
  /** `[upper bound in ms, count]`, on a 1-2-5 scale; the last bucket is open. */
  readonly buckets: readonly (readonly [number, number])[];
}

const BUCKET_BOUNDS = [
  0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
] as const;

/** Records latency samples (ms) and summarises them. */
export class Histogram {
  readonly #samples: number[] = [];

  record(ms: number): void {
    this.#samples.push(ms);
  }

  get count(): number {
    return this.#samples.length;
  }

  summary(): LatencySummary {
    return summarize(this.#samples);
  }

  toJSON(): HistogramJson {
    const counts: number[] = BUCKET_BOUNDS.map(() => 0);
    let overflow = 0;
    for (const sample of this.#samples) {
      const index = BUCKET_BOUNDS.findIndex((bound) => sample <= bound);
      if (index === -1) overflow++;
      else counts[index] = (counts[index] ?? 0) + 1;
    }
    const buckets: [number, number][] = BUCKET_BOUNDS.map((bound, i) => [bound, counts[i] ?? 0]);
    buckets.push([Number.POSITIVE_INFINITY, overflow]);
    return { summary: this.summary(), buckets: buckets.filter(([, count]) => count > 0) };
  }
}

/**
 * The nearest-rank percentile `p` (0–100) of ascending `sorted` samples;
 * NaN when there are none.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** p50/p90/p99/max/mean of `samples` (any order). */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
  };
}

/** The median of `samples`. */
export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

/** How a fixed-schedule send went. */
export interface ScheduleResult {
  /** Sends made. */
  readonly sent: number;
  /** `performance.now()` of the first scheduled send. */
  readonly startedAt: number;
  /** `performance.now()` when the last send was made. */
  readonly endedAt: number;
}

/**
 * Open-loop load: calls `send(i, dueAt)` for i = 0 … rate·seconds−1 at
 * `dueAt = start + i/rate`, whatever happened to earlier sends. A caller
 * measures latency from `dueAt`, not from when the send actually ran, so a
 * stalled target (or a stalled generator) shows up in the figures instead
 * of quietly lowering the rate — no coordinated omission.
 *
 * Sends that fell due while the generator slept go out together on wake-up
 * (timers have ~1 ms granularity; spinning would steal a core from the
 * system under test on a 2-core machine).
 *
 * @example
 * await openLoop({ rate: 1_000, seconds: 10 }, (i, dueAt) => {
 *   pending.set(`m${i}`, dueAt);
 *   socket.send(JSON.stringify({ action: 'echo', id: `m${i}` }));
 * });
 */
export async function openLoop(
  schedule: { readonly rate: number; readonly seconds: number },
  send: (i: number, dueAt: number) => void,
): Promise<ScheduleResult> {
  const total = Math.max(1, Math.round(schedule.rate * schedule.seconds));
  const interval = 1000 / schedule.rate;
  const startedAt = performance.now() + 2;
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && startedAt + i * interval <= now) {
      send(i, startedAt + i * interval);
      i++;
    }
    if (i >= total) break;
    const wait = startedAt + i * interval - performance.now();
    await sleep(Math.max(1, wait));
  }
  return { sent: total, startedAt, endedAt: performance.now() };
}

/** Waits until `done()` holds or `timeoutMs` passes; resolves whether it held. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** Rounds to two decimals for tables and JSON. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
