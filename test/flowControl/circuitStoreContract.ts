import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { CircuitState, CircuitStore } from '../../src/engine/circuit';

/**
 * The behaviour every `CircuitStore` adapter must show: strongly consistent
 * reads and writes conditional on the version read, so two processors
 * moving one circuit never both succeed.
 */
export function describeCircuitStoreContract(
  adapter: string,
  makeStore: () => Promise<CircuitStore>,
) {
  describe(`CircuitStore contract: ${adapter}`, () => {
    const open: CircuitState = { status: 'open', until: 1_700_000_030_000, openings: 1 };
    const closed: CircuitState = { status: 'closed', windowStart: 1, calls: 3, failures: 1 };
    const key = () => `acme#payments-${ulid()}`;

    it('reads nothing for a circuit never written', async () => {
      expect(await (await makeStore()).read(key())).toBeUndefined();
    });

    it('writes at version 0, reads back the state at version 1, and moves on from there', async () => {
      const store = await makeStore();
      const k = key();
      expect(await store.write(k, closed, 0)).toBe('written');
      expect(await store.read(k)).toEqual({ state: closed, version: 1 });
      expect(await store.write(k, open, 1)).toBe('written');
      expect(await store.read(k)).toEqual({ state: open, version: 2 });
    });

    it('refuses a write at a version that is not the stored one', async () => {
      const store = await makeStore();
      const k = key();
      await store.write(k, closed, 0);
      expect(await store.write(k, open, 0)).toBe('conflict');
      expect(await store.write(k, open, 5)).toBe('conflict');
      expect(await store.read(k)).toEqual({ state: closed, version: 1 });
    });

    it('lets exactly one of two racing writers win', async () => {
      const store = await makeStore();
      const k = key();
      const results = await Promise.all([store.write(k, open, 0), store.write(k, closed, 0)]);
      expect(results.sort()).toEqual(['conflict', 'written']);
    });

    it('keeps half-open probes as written', async () => {
      const store = await makeStore();
      const k = key();
      const probing: CircuitState = {
        status: 'half_open',
        probe: 'acme#r1/charge',
        probeUntil: 1_700_000_060_000,
        openings: 2,
      };
      await store.write(k, probing, 0);
      expect((await store.read(k))?.state).toEqual(probing);
    });
  });
}
