import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { SlotClaim, SlotStore } from '../../src/engine/slotStore';

/**
 * The behaviour every `SlotStore` adapter must show, run by the in-memory
 * twin's unit test and the DynamoDB adapter's integration test.
 */
export function describeSlotStoreContract(adapter: string, makeStore: () => Promise<SlotStore>) {
  describe(`SlotStore contract: ${adapter}`, () => {
    const T = 1_700_000_000_000;
    /** A claim by request `n` of a fresh key (accepted at T + n, so n orders the line). */
    const claimer =
      (key: string, limit: number) =>
      (n: number, extra: Partial<SlotClaim> = {}) =>
        ({
          key,
          limit,
          holder: `acme#r${n}`,
          run: `run-${n}`,
          version: 1,
          order: `${String(T + n).padStart(15, '0')}#acme#r${n}`,
          now: T + 1_000,
          holdUntil: T + 600_000,
          waitUntil: T + 600_000,
          ...extra,
        }) satisfies SlotClaim;
    const freshKey = () => `acme#wf#${ulid()}`;

    it('grants up to the limit and queues the rest in order of acceptance', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 2);
      expect(await store.acquire(claim(1))).toEqual({ kind: 'granted' });
      expect(await store.acquire(claim(2))).toEqual({ kind: 'granted' });
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'queued', position: 0 });
      expect(await store.acquire(claim(4))).toMatchObject({ kind: 'queued', position: 1 });
      // A waiter accepted earlier than those in line goes before them.
      expect(await store.acquire(claim(0))).toMatchObject({ kind: 'queued', position: 0 });
    });

    it('a holder taking its slot again uses no second slot', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1));
      expect(await store.acquire(claim(1, { run: 'another-run', version: 3 }))).toEqual({
        kind: 'granted',
      });
      expect(await store.acquire(claim(2))).toMatchObject({ kind: 'queued', position: 0 });
    });

    it('a released slot goes to the head of the line, never to one behind it', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1));
      const queued = await store.acquire(claim(2));
      await store.acquire(claim(3));
      const released = await store.release({ ...claim(1), leaveOrder: undefined });
      expect(released.wake).toEqual(['acme#r2']);
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'queued', position: 1 });
      const granted = await store.acquire(claim(2));
      expect(granted).toEqual({
        kind: 'granted',
        waitedSince: (queued as { since: number }).since,
      });
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'queued', position: 0 });
    });

    it('a newcomer queues behind those already waiting, even when a slot is free', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1));
      await store.acquire(claim(2));
      await store.release(claim(1));
      expect(await store.acquire(claim(5))).toMatchObject({ kind: 'queued', position: 1 });
      expect(await store.acquire(claim(2))).toMatchObject({ kind: 'granted' });
    });

    it('a release is fenced: another run frees a holding only when it was taken at an older log version', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1, { run: 'a', version: 5 }));
      // Another run whose log ended at the same version does not free it …
      await store.release({ ...claim(1), run: 'b', version: 5 });
      expect(await store.acquire(claim(2))).toMatchObject({ kind: 'queued' });
      // … one that saw a newer version does, and so does the holder's own run.
      await store.release({ ...claim(1), run: 'b', version: 6 });
      expect(await store.acquire(claim(2))).toMatchObject({ kind: 'granted' });
      await store.release({ ...claim(2), run: 'run-2', version: 1 });
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'granted' });
    });

    it('a lapsed holding (a crashed run) frees its slot', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1, { holdUntil: T + 5_000 }));
      expect(await store.acquire(claim(2))).toMatchObject({ kind: 'queued' });
      expect(await store.acquire(claim(2, { now: T + 5_000 }))).toMatchObject({
        kind: 'granted',
      });
    });

    it('a waiter that stopped looking does not hold up the line', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1));
      await store.acquire(claim(2, { waitUntil: T + 5_000 }));
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'queued', position: 1 });
      await store.release({ ...claim(1), now: T + 6_000 });
      expect(await store.acquire(claim(3, { now: T + 6_000 }))).toMatchObject({
        kind: 'granted',
      });
    });

    it('leaving the line moves those behind up', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 1);
      await store.acquire(claim(1));
      await store.acquire(claim(2));
      await store.acquire(claim(3));
      await store.release({ ...claim(2), leaveOrder: claim(2).order });
      expect(await store.acquire(claim(3))).toMatchObject({ kind: 'queued', position: 0 });
      expect((await store.release(claim(1))).wake).toEqual(['acme#r3']);
    });

    it('never fills a key past its limit, however many claim at once', async () => {
      const store = await makeStore();
      const claim = claimer(freshKey(), 3);
      const verdicts = await Promise.all(
        Array.from({ length: 12 }, (_, n) => store.acquire(claim(n))),
      );
      expect(verdicts.filter((v) => v.kind === 'granted')).toHaveLength(3);
      const positions = verdicts.flatMap((v) => (v.kind === 'queued' ? [v.position] : []));
      expect(positions).toHaveLength(9);
    });

    it('keeps keys apart', async () => {
      const store = await makeStore();
      const a = claimer(freshKey(), 1);
      const b = claimer(freshKey(), 1);
      await store.acquire(a(1));
      expect(await store.acquire(b(2))).toEqual({ kind: 'granted' });
    });
  });
}
