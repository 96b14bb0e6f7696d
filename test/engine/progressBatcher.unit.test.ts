import { describe, expect, it } from 'vitest';
import { createProgressBatcher, type ProgressUpdate, retryDelayMs } from '../../src/engine';

function fakeTimers() {
  let now = 0;
  const pending: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    clock: () => now,
    timers: {
      setTimeout: (fn: () => void, ms: number) => {
        const id = ++ids;
        pending.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimeout: (id: unknown) => {
        const index = pending.findIndex((t) => t.id === id);
        if (index >= 0) pending.splice(index, 1);
      },
    },
    advance(ms: number) {
      now += ms;
      for (const timer of pending.filter((t) => t.at <= now)) {
        pending.splice(pending.indexOf(timer), 1);
        timer.fn();
      }
    },
  };
}

describe('progress batching', () => {
  it('given rapid reports, then at most one event per 200 ms goes out and the newest is never lost', () => {
    const time = fakeTimers();
    const out: ProgressUpdate[] = [];
    const batcher = createProgressBatcher({
      clock: time.clock,
      timers: time.timers,
      emit: (u) => out.push(u),
    });
    batcher.report(10, 'a');
    batcher.report(20, 'b');
    batcher.report(30, 'c');
    expect(out.map((u) => u.percentage)).toEqual([10]);
    time.advance(199);
    expect(out).toHaveLength(1);
    time.advance(1);
    expect(out.map((u) => [u.percentage, u.message])).toEqual([
      [10, 'a'],
      [30, 'c'],
    ]);
  });

  it('given a report at or above 95 %, then it goes out at once', () => {
    const time = fakeTimers();
    const out: ProgressUpdate[] = [];
    const batcher = createProgressBatcher({
      clock: time.clock,
      timers: time.timers,
      emit: (u) => out.push(u),
    });
    batcher.report(50, 'half');
    batcher.report(96, 'almost');
    expect(out.map((u) => u.percentage)).toEqual([50, 96]);
  });

  it('never lets the percentage go down, and hands back what is pending for an error flush', () => {
    const time = fakeTimers();
    const out: ProgressUpdate[] = [];
    const batcher = createProgressBatcher({
      clock: time.clock,
      timers: time.timers,
      floor: 40,
      emit: (u) => out.push(u),
    });
    batcher.report(20, 'behind the floor');
    batcher.report(60, 'ahead');
    batcher.report(55, 'went back');
    expect(out.map((u) => u.percentage)).toEqual([40]);
    expect(batcher.take()).toEqual({ percentage: 60, message: 'went back' });
    time.advance(1_000);
    expect(out).toHaveLength(1);
  });
});

describe('retry delays', () => {
  it('grow exponentially up to the cap, with deterministic jitter in [delay/2, delay]', () => {
    const policy = {
      maxAttempts: 6,
      initialDelayMs: 1_000,
      backoffRate: 2,
      maxDelayMs: 5_000,
      jitter: false,
    };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 'k'))).toEqual([
      1_000, 2_000, 4_000, 5_000,
    ]);
    const jittered = [1, 2, 3].map((n) =>
      retryDelayMs({ ...policy, jitter: true }, n, 'acme#r1/fetch'),
    );
    jittered.forEach((delay, i) => {
      const full = [1_000, 2_000, 4_000][i] as number;
      expect(delay).toBeGreaterThanOrEqual(full / 2);
      expect(delay).toBeLessThanOrEqual(full);
    });
    expect(
      [1, 2, 3].map((n) => retryDelayMs({ ...policy, jitter: true }, n, 'acme#r1/fetch')),
    ).toEqual(jittered);
  });
});
