import type {
  SlotClaim,
  SlotRelease,
  SlotReleased,
  SlotStore,
  SlotVerdict,
} from '../../engine/slotStore';

interface Holding {
  readonly run: string;
  readonly version: number;
  readonly expiresAt: number;
}

interface Waiter {
  readonly holder: string;
  readonly order: string;
  readonly since: number;
  readonly expiresAt: number;
}

interface Line {
  readonly holders: Map<string, Holding>;
  /** By `order`. */
  readonly waiters: Map<string, Waiter>;
}

/**
 * Concurrency slots in memory, for tests and the test engine: the same
 * semantics as `DynamoDbSlotStore` (both pass the slot store contract),
 * held in one process.
 *
 * @example
 * const slots = new InMemorySlotStore();
 * await runRequest({ …, flowControl: { slots, defaultConcurrencyPerTenant: 10 } });
 */
export class InMemorySlotStore implements SlotStore {
  readonly #lines = new Map<string, Line>();

  async acquire(claim: SlotClaim): Promise<SlotVerdict> {
    const line = this.#line(claim.key, claim.now);
    const holding = { run: claim.run, version: claim.version, expiresAt: claim.holdUntil };
    const own = line.waiters.get(claim.order);
    if (line.holders.has(claim.holder)) {
      line.holders.set(claim.holder, holding);
      return { kind: 'granted' };
    }
    const ahead = [...line.waiters.values()].filter((w) => w.order < claim.order).length;
    if (ahead < claim.limit - line.holders.size) {
      line.holders.set(claim.holder, holding);
      line.waiters.delete(claim.order);
      return own ? { kind: 'granted', waitedSince: own.since } : { kind: 'granted' };
    }
    const since = own?.since ?? claim.now;
    line.waiters.set(claim.order, {
      holder: claim.holder,
      order: claim.order,
      since,
      expiresAt: claim.waitUntil,
    });
    return { kind: 'queued', position: ahead, since };
  }

  async release(release: SlotRelease): Promise<SlotReleased> {
    const line = this.#line(release.key, release.now);
    const holding = line.holders.get(release.holder);
    if (holding && (holding.run === release.run || holding.version < release.version)) {
      line.holders.delete(release.holder);
    }
    if (release.leaveOrder !== undefined) line.waiters.delete(release.leaveOrder);
    const free = release.limit - line.holders.size;
    const wake = [...line.waiters.values()]
      .sort((a, b) => (a.order < b.order ? -1 : 1))
      .slice(0, Math.max(0, free))
      .map((waiter) => waiter.holder);
    return { wake };
  }

  /** @internal Holders of a key now (for tests). */
  holders(key: string): string[] {
    return [...(this.#lines.get(key)?.holders.keys() ?? [])];
  }

  /** The key's line, without the holdings and places that lapsed by `now`. */
  #line(key: string, now: number): Line {
    let line = this.#lines.get(key);
    if (!line) {
      line = { holders: new Map(), waiters: new Map() };
      this.#lines.set(key, line);
    }
    for (const [holder, holding] of line.holders)
      if (holding.expiresAt <= now) line.holders.delete(holder);
    for (const [order, waiter] of line.waiters)
      if (waiter.expiresAt <= now) line.waiters.delete(order);
    return line;
  }
}
