import fc from 'fast-check';
import { expect } from 'vitest';
import { type EventStore, VersionConflictError } from '../../src/events';

/** A writer's plan: how many appends it makes and how many events each carries. */
export const writerPlans = fc.array(
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
  {
    minLength: 2,
    maxLength: 6,
  },
);

/**
 * Races the writers on one request: each reads the log, appends at the
 * version it read, and on a conflict reads again and retries. `interleave`
 * lets a `fc.scheduler` decide the order of every read and append.
 * Every other round also tries a stale version first, which must conflict.
 * Then checks invariant 1: exactly one writer won each seq, the log is
 * dense, no two commits overlap, and nothing was overwritten or lost.
 */
export async function raceAppenders(
  store: EventStore,
  requestKey: string,
  plans: number[][],
  interleave: <T>(label: string, work: () => Promise<T>) => Promise<T> = (_, work) => work(),
): Promise<void> {
  const won: string[][] = [];
  await Promise.all(
    plans.map(async (appends, writer) => {
      for (const [round, size] of appends.entries()) {
        const marks = Array.from({ length: size }, (_, i) => `w${writer}-r${round}-e${i}`);
        for (;;) {
          const version = (await interleave(`read w${writer}`, () => store.read(requestKey)))
            .length;
          // Every other round first tries a version older than the one read (it may
          // fall inside another writer's commit): it must conflict, whatever the timing.
          const stale = version - 1 - (round % 3);
          if ((round + writer) % 2 === 0 && stale >= 0) {
            const attempt = await interleave(`stale append w${writer}`, () =>
              store.append(requestKey, stale, [
                { type: 'test.stale', at: 0, tenantId: 'acme', userId: `w${writer}`, data: {} },
              ]),
            ).catch((error: unknown) => error);
            expect(attempt).toBeInstanceOf(VersionConflictError);
          }
          try {
            const next = await interleave(`append w${writer}`, () =>
              store.append(
                requestKey,
                version,
                marks.map((mark) => ({
                  type: 'test.mark',
                  at: 0,
                  tenantId: 'acme',
                  userId: `w${writer}`,
                  data: { mark },
                })),
              ),
            );
            expect(next).toBe(version + size);
            won.push(marks);
            break;
          } catch (error) {
            if (!(error instanceof VersionConflictError)) throw error;
            expect(error.actualVersion).toBeGreaterThan(version);
          }
        }
      }
    }),
  );
  const log = await store.read(requestKey);
  const total = plans.flat().reduce((sum, size) => sum + size, 0);
  expect(log.map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const logged = log.map((event) => (event.data as { mark: string }).mark);
  expect([...logged].sort()).toEqual(won.flat().sort());
  // Each successful append sits contiguous in the log: no one interleaved inside a transaction.
  for (const marks of won) {
    const start = logged.indexOf(marks[0] as string);
    expect(logged.slice(start, start + marks.length)).toEqual(marks);
  }
}
