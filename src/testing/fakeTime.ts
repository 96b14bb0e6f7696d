import type { Timers } from '../engine';

interface FakeTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A fake clock and the timers that follow it: nothing moves until the test
 * engine moves it. Timers fire one at a time in due order (ties in the
 * order they were set), so a step's deadline fires before the lease that
 * follows it ends.
 */
export class FakeTime implements Timers {
  #now: number;
  #nextId = 1;
  #timers: FakeTimer[] = [];
  #sleeping = 0;

  constructor(start: number) {
    this.#now = start;
  }

  /** The current fake time (epoch ms). */
  now(): number {
    return this.#now;
  }

  /** Moves the clock forward to `time` (never back). */
  moveTo(time: number): void {
    this.#now = Math.max(this.#now, time);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    const dueAt = this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0);
    this.#timers.push({ id, dueAt, fn });
    this.#timers.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** When the earliest timer is due, if any is set. */
  nextDueAt(): number | undefined {
    return this.#timers[0]?.dueAt;
  }

  /** Fires the earliest timer if it is due by `upTo`, moving the clock to it; false if none is. */
  fireNext(upTo: number): boolean {
    const timer = this.#timers[0];
    if (!timer || timer.dueAt > upTo) return false;
    this.#timers.shift();
    this.moveTo(timer.dueAt);
    timer.fn();
    return true;
  }

  /** Sleeps currently waiting on this clock (a step parked on fake time is not busy). */
  get sleeping(): number {
    return this.#sleeping;
  }

  /**
   * Waits for `promise` as a parked waiter: the test engine treats it like a
   * sleep on the fake clock (not busy), so it may move on meanwhile.
   */
  async parked<T>(promise: Promise<T>): Promise<T> {
    this.#sleeping++;
    try {
      return await promise;
    } finally {
      this.#sleeping--;
    }
  }

  /**
   * Waits `ms` of fake time; rejects with the signal's reason as soon as it
   * aborts. Use it in stubs for "a step that takes a while".
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.#sleeping++;
      const finish = (): void => {
        this.#sleeping--;
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        this.clearTimeout(handle);
        finish();
        reject(signal?.reason);
      };
      const handle = this.setTimeout(() => {
        finish();
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
