/**
 * Batches a step's progress reports. Every event costs a DynamoDB write and a
 * WebSocket frame, so at most one goes out per `intervalMs` (200 ms); the
 * newest report of a batch is never dropped, reports at or above 95 % go out
 * at once (the end is what users watch), and the percentage never goes down.
 */

/** One progress update as it will be recorded. */
export interface ProgressUpdate {
  readonly percentage: number;
  readonly message: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Timers, injectable so tests control time. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createProgressBatcher}. */
export interface ProgressBatcherOptions {
  readonly clock: () => number;
  /** Called with each update to record; the runner appends a `step.progress` event. */
  readonly emit: (update: ProgressUpdate) => void;
  /** Highest percentage already recorded for the request (progress never goes down). */
  readonly floor?: number;
  readonly intervalMs?: number;
  /** Reports at or above this go out at once. */
  readonly flushAt?: number;
  readonly timers?: Timers;
}

/** A batching progress reporter. */
export interface ProgressBatcher {
  report(percentage: number, message: string, metadata?: Readonly<Record<string, unknown>>): void;
  /** Stops the timer and hands back the pending update instead of emitting it. */
  take(): ProgressUpdate | undefined;
}

/** The default batching interval. */
export const PROGRESS_INTERVAL_MS = 200;

/** The process's own timers, the default wherever `Timers` are injectable. @internal */
export const globalTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) =>
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Creates a progress batcher.
 *
 * @example
 * const batcher = createProgressBatcher({ clock, emit: (u) => append(u) });
 * batcher.report(10, 'loading'); // emitted now (first of its window)
 * batcher.report(20, 'parsing'); // held …
 * batcher.report(30, 'parsing'); // … replaces it; emitted when 200 ms have passed
 */
export function createProgressBatcher(options: ProgressBatcherOptions): ProgressBatcher {
  const intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  const flushAt = options.flushAt ?? 95;
  const timers = options.timers ?? globalTimers;
  let highest = options.floor ?? 0;
  let lastEmitAt = Number.NEGATIVE_INFINITY;
  let pending: ProgressUpdate | undefined;
  let timer: unknown;

  const clearTimer = (): void => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
  };
  const emitPending = (): void => {
    clearTimer();
    if (!pending) return;
    const update = pending;
    pending = undefined;
    lastEmitAt = options.clock();
    options.emit(update);
  };

  return {
    report(percentage, message, metadata) {
      const asked = Number.isFinite(percentage) ? Math.min(100, Math.max(0, percentage)) : highest;
      highest = Math.max(highest, asked);
      pending = { percentage: highest, message, ...(metadata ? { metadata } : {}) };
      const wait = lastEmitAt + intervalMs - options.clock();
      if (highest >= flushAt || wait <= 0) {
        emitPending();
      } else if (timer === undefined) {
        timer = timers.setTimeout(emitPending, wait);
      }
    },
    take() {
      clearTimer();
      const update = pending;
      pending = undefined;
      return update;
    },
  };
}
