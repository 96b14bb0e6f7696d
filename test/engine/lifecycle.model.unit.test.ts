import fc from 'fast-check';
import { describe, it } from 'vitest';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { commands, concurrencyCommands, runModel } from './support/model';

describe('request lifecycle under random schedules (in-memory store)', () => {
  it('keeps invariants 1–8 after every command and settles every request', async () => {
    // A failure prints the seed and the shrunk command list; rerun with
    // fc.assert(…, { seed, path }) to reproduce it.
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), (cmds) =>
        runModel(new InMemoryEventStore(), cmds),
      ),
      { numRuns: 300, verbose: 1 },
    );
  }, 300_000);

  it('holds every workflow to its concurrency limit while runs race for slots, and settles every queued request', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(concurrencyCommands, { maxCommands: 30, size: 'large' }),
        (cmds) => runModel(new InMemoryEventStore(), cmds),
      ),
      { numRuns: 150, verbose: 1 },
    );
  }, 300_000);
});
