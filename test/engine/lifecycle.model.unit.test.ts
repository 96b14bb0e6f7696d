import { describe, it } from 'vitest';
import { checkLifecycle } from '../../src/testing';
import { concurrencyCases, lifecycleCases } from './support/lifecycleCases';

// The kit's model-based property (src/testing/checkLifecycle.ts) on the
// demo workflows: random schedules over two tenants, invariants 1–9 after
// every command, every request settles. A failure throws an
// InvariantViolation printing the seed, the path and the shrunk schedule;
// rerun it with checkLifecycle(workflow, { ...options, seed, path }).
describe('request lifecycle under random schedules (in-memory store)', () => {
  for (const { name, workflow, options } of [...lifecycleCases(), ...concurrencyCases()]) {
    it(`${name}: keeps invariants 1–9 (and its concurrency limit, if any) after every command and settles every request`, async () => {
      await checkLifecycle(workflow, { ...options, numRuns: 100 });
    }, 300_000);
  }
});
