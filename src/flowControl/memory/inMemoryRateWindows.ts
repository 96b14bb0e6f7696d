import type { RateClaim, RateWindowStore } from '../rateLimiter';

/**
 * Rate counters in memory: the same claims as `DynamoDbRateWindows`
 * (both pass the rate window contract), for tests and single-process use.
 *
 * @example
 * const limiter = new RateLimiter({ store: new InMemoryRateWindows(), clock: Date.now });
 */
export class InMemoryRateWindows implements RateWindowStore {
  readonly #counts = new Map<string, { used: number; expiresAt: number }>();

  async claim(claim: RateClaim): Promise<{ granted: number; used: number }> {
    const id = `${claim.key}@${claim.window}`;
    const used = this.#counts.get(id)?.used ?? 0;
    const granted = Math.max(0, Math.min(claim.want, claim.limit - used));
    this.#counts.set(id, { used: used + granted, expiresAt: claim.expiresAt });
    for (const [other, count] of this.#counts) {
      if (count.expiresAt < claim.window) this.#counts.delete(other);
    }
    return { granted, used: used + granted };
  }
}
