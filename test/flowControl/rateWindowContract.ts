import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { RateClaim, RateWindowStore } from '../../src/flowControl/rateLimiter';

/** The behaviour every `RateWindowStore` adapter must show: a window fills exactly to its limit. */
export function describeRateWindowContract(
  adapter: string,
  makeStore: () => Promise<RateWindowStore>,
) {
  describe(`RateWindowStore contract: ${adapter}`, () => {
    const W = 1_700_000_000_000;
    const claim = (key: string, want: number, extra: Partial<RateClaim> = {}): RateClaim => ({
      key,
      window: W,
      want,
      limit: 10,
      expiresAt: W + 2_000,
      ...extra,
    });

    it('grants claims up to the limit, then what is left, then nothing', async () => {
      const store = await makeStore();
      const key = `tenant#${ulid()}`;
      expect(await store.claim(claim(key, 4))).toEqual({ granted: 4, used: 4 });
      expect(await store.claim(claim(key, 4))).toEqual({ granted: 4, used: 8 });
      expect(await store.claim(claim(key, 4))).toEqual({ granted: 2, used: 10 });
      expect(await store.claim(claim(key, 1))).toEqual({ granted: 0, used: 10 });
    });

    it('counts each window and each key apart', async () => {
      const store = await makeStore();
      const key = `tenant#${ulid()}`;
      await store.claim(claim(key, 10));
      expect(await store.claim(claim(key, 3, { window: W + 1_000 }))).toEqual({
        granted: 3,
        used: 3,
      });
      expect(await store.claim(claim(`tenant#${ulid()}`, 3))).toEqual({ granted: 3, used: 3 });
    });

    it('never grants past the limit to claims racing each other', async () => {
      const store = await makeStore();
      const key = `tenant#${ulid()}`;
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => store.claim(claim(key, 3, { limit: 20 }))),
      );
      expect(claims.reduce((sum, c) => sum + c.granted, 0)).toBe(20);
    });
  });
}
