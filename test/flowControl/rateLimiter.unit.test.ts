import { describe, expect, it } from 'vitest';
import { InMemoryRateWindows } from '../../src/flowControl/memory/inMemoryRateWindows';
import {
  creditOf,
  type RateClaim,
  type RateLimit,
  RateLimiter,
  type RateWindowStore,
} from '../../src/flowControl/rateLimiter';
import { describeRateWindowContract } from './rateWindowContract';

describeRateWindowContract('in-memory twin', async () => new InMemoryRateWindows());

/** A store that counts its claims. */
class CountingStore implements RateWindowStore {
  claims = 0;
  constructor(readonly inner: RateWindowStore = new InMemoryRateWindows()) {}
  claim(claim: RateClaim) {
    this.claims += 1;
    return this.inner.claim(claim);
  }
}

const tenant = (limit: number): RateLimit => ({ key: 'tenant#acme', limit, scope: 'tenant' });

async function admitted(limiter: RateLimiter, limits: RateLimit[], times: number) {
  let count = 0;
  for (let i = 0; i < times; i++) {
    if ((await limiter.admit(limits)).kind === 'admitted') count++;
  }
  return count;
}

describe('RateLimiter', () => {
  it('admits the limit per window, then says how long until the window ends', async () => {
    let now = 1_700_000_000_250;
    const limiter = new RateLimiter({ store: new InMemoryRateWindows(), clock: () => now });
    expect(await admitted(limiter, [tenant(100)], 150)).toBe(100);
    expect(await limiter.admit([tenant(100)])).toEqual({
      kind: 'limited',
      scope: 'tenant',
      limit: 100,
      windowMs: 1_000,
      retryAfterMs: 750,
    });
    now += 750;
    expect(await admitted(limiter, [tenant(100)], 150)).toBe(100);
  });

  it('two router instances on one store admit no more than the limit between them', async () => {
    const store = new InMemoryRateWindows();
    const now = 1_700_000_000_000;
    const a = new RateLimiter({ store, clock: () => now });
    const b = new RateLimiter({ store, clock: () => now });
    let total = 0;
    for (let i = 0; i < 300; i++) {
      total += (await a.admit([tenant(200)])).kind === 'admitted' ? 1 : 0;
      total += (await b.admit([tenant(200)])).kind === 'admitted' ? 1 : 0;
    }
    // The limit is never passed; the tokens a chunk strands in the other instance are few.
    expect(total).toBeLessThanOrEqual(200);
    expect(total).toBeGreaterThanOrEqual(190);
  });

  it('claims tokens in chunks: a busy key costs a store call per chunk, not per message', async () => {
    const store = new CountingStore();
    const limiter = new RateLimiter({ store, clock: () => 1_700_000_000_000 });
    expect(await admitted(limiter, [tenant(1_000)], 1_000)).toBe(1_000);
    expect(store.claims).toBeLessThanOrEqual(40);
  });

  it('a flood costs a dozen claims a window: busy keys double their claims, a full window is refused from memory', async () => {
    const store = new CountingStore();
    let now = 1_700_000_000_000;
    const limiter = new RateLimiter({ store, clock: () => now });
    expect(await admitted(limiter, [tenant(1_000)], 10_000)).toBe(1_000);
    expect(store.claims).toBeLessThanOrEqual(15);
    // The next window of a key this instance filled alone: what is left, at once.
    now += 1_000;
    const before = store.claims;
    expect(await admitted(limiter, [tenant(1_000)], 10_000)).toBe(1_000);
    expect(store.claims - before).toBeLessThanOrEqual(3);
  });

  it('messages arriving together while a claim is out all wait for it, none refused early', async () => {
    const limiter = new RateLimiter({
      store: new InMemoryRateWindows(),
      clock: () => 1_700_000_000_000,
    });
    const verdicts = await Promise.all(
      Array.from({ length: 500 }, () => limiter.admit([tenant(1_000)])),
    );
    expect(verdicts.every((v) => v.kind === 'admitted')).toBe(true);
  });

  it('a connection over its own limit is refused before it spends its tenant’s tokens', async () => {
    const limiter = new RateLimiter({
      store: new InMemoryRateWindows(),
      clock: () => 1_700_000_000_000,
    });
    const noisy: RateLimit = { key: 'connection#c1', limit: 5, scope: 'connection' };
    const quiet: RateLimit = { key: 'connection#c2', limit: 5, scope: 'connection' };
    expect(await admitted(limiter, [noisy, tenant(8)], 20)).toBe(5);
    expect(await admitted(limiter, [quiet, tenant(8)], 5)).toBe(3);
    expect(await limiter.admit([quiet, tenant(8)])).toMatchObject({ scope: 'connection' });
  });

  it('spends a message’s cost in tokens: a dearer message uses up the limit sooner', async () => {
    const limiter = new RateLimiter({
      store: new InMemoryRateWindows(),
      clock: () => 1_700_000_000_000,
    });
    const dear: RateLimit = { ...tenant(100), cost: 5 };
    expect(await admitted(limiter, [dear], 30)).toBe(20);
    expect(await admitted(limiter, [tenant(100)], 5)).toBe(0);
  });

  it('lets a chunk of messages through on credit while its tokens are claimed, and no more past the limit', async () => {
    let release = (): void => undefined;
    const slow: RateWindowStore = {
      claim: (claim) =>
        new Promise((resolve) => {
          release = () => resolve({ granted: 0, used: claim.limit });
        }),
    };
    const limiter = new RateLimiter({ store: slow, clock: () => 1_700_000_000_000 });
    // The store has not answered, and a whole chunk (a twentieth of 1,000) is through.
    const credit = creditOf(1_000, 1);
    expect(credit).toBe(50);
    expect(await admitted(limiter, [tenant(1_000)], credit)).toBe(credit);
    // The next one waits for the answer: the window was full already (other instances).
    const next = limiter.admit([tenant(1_000)]);
    release();
    expect(await next).toMatchObject({ kind: 'limited' });
    expect(await limiter.admit([tenant(1_000)])).toMatchObject({ kind: 'limited' });
  });

  it('fails open, by at most a chunk per key and window, when the store is down', async () => {
    const errors: unknown[] = [];
    const limiter = new RateLimiter({
      store: { claim: async () => Promise.reject(new Error('throttled')) },
      clock: () => 1_700_000_000_000,
      onStoreError: (error) => errors.push(error),
    });
    expect(await admitted(limiter, [tenant(100)], 50)).toBe(5);
    expect(errors).toHaveLength(1);
  });
});
