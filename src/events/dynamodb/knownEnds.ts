/**
 * The end (last `seq`) of the newest commit a store has read or written, per
 * request: a hint that lets an append at that version skip the boundary
 * check, and a read from the next `seq` skip looking for the commit it
 * starts in. Only ever a hint — the conditional put still decides — so
 * forgetting an entry costs one extra query, never correctness. Bounded:
 * the least recently used request is forgotten first.
 */
export class KnownEnds {
  readonly #ends = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Whether `seq` is the remembered end of `requestKey`'s log in `table`. */
  is(table: string, requestKey: string, seq: number): boolean {
    return this.#ends.get(`${table}\u0000${requestKey}`) === seq;
  }

  /** Records that an item of `requestKey`'s log ends at `seq` (the highest one seen wins). */
  remember(table: string, requestKey: string, seq: number): void {
    const key = `${table}\u0000${requestKey}`;
    const known = this.#ends.get(key);
    this.#ends.delete(key);
    this.#ends.set(key, Math.max(seq, known ?? 0));
    if (this.#ends.size > this.#capacity) {
      const oldest = this.#ends.keys().next().value;
      if (oldest !== undefined) this.#ends.delete(oldest);
    }
  }
}
