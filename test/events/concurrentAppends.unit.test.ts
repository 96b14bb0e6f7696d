import fc from 'fast-check';
import { describe, it } from 'vitest';
import { InMemoryEventStore } from '../../src/events';
import { raceAppenders, writerPlans } from './concurrentAppends';

describe('concurrent appenders on the in-memory store (fc.scheduler decides every interleaving)', () => {
  it('exactly one writer wins each seq; the log stays dense and nothing is overwritten', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), writerPlans, async (s, plans) => {
        const store = new InMemoryEventStore();
        const race = raceAppenders(store, 'acme#race', plans, (label, work) =>
          s.schedule(Promise.resolve(label)).then(work),
        );
        await s.waitFor(race);
      }),
      { numRuns: 300 },
    );
  });
});
