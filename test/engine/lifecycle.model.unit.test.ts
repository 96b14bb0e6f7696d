import fc from 'fast-check';
import { describe, it } from 'vitest';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { commands, runModel } from './support/model';

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
});
