/**
 * Message rates per key (a tenant, a connection …) over fixed windows,
 * counted in one shared store so every router instance enforces the same
 * limit: no key is admitted more than `limit` times in one window, whichever
 * instances its messages reach.
 *
 * A message costs no I/O on the hot path: each instance *claims* tokens
 * from the store's counter in chunks (one conditional `ADD` per chunk, never
 * past the limit) and spends them from memory. It claims the next chunk
 * when half of the last is spent and, near a window's end, a busy key's
 * first chunk of the next window. While a claim is out, messages pass on
 * credit — up to one chunk beyond the tokens held, counted in the claim — so
 * no message waits for the store unless a whole chunk is spent before the
 * claim returns; that lets at most one chunk per key, window and instance
 * past the limit (`creditOf`).
 * A claim is a twentieth of the limit, or as much as the instance already
 * spent in the window when that is more (a busy key doubles its claims, so a
 * flood costs about ten writes a window), and never more than half of what
 * is left (all of it once that is less than a twentieth of the limit), which
 * bounds the tokens stranded in other instances when the window ends. See
 * `docs/decisions/flow-control-rate-limits.md`.
 */

/** The shared counters. Adapters: `DynamoDbRateWindows`, `InMemoryRateWindows`. */
export interface RateWindowStore {
  /**
   * Adds up to `want` to the count of `key` in the window starting at
   * `window` (epoch ms), never past `limit`. Returns how many it added
   * (0 when the window is full) and the count after.
   */
  claim(claim: RateClaim): Promise<{ readonly granted: number; readonly used: number }>;
}

/** One claim of tokens. */
export interface RateClaim {
  readonly key: string;
  readonly window: number;
  readonly want: number;
  readonly limit: number;
  /** When the counter may be forgotten (epoch ms). */
  readonly expiresAt: number;
}

/** One limit a message must pass. */
export interface RateLimit {
  /** The counter's key, e.g. `tenant#acme`. */
  readonly key: string;
  /** Tokens per window (≥ 1). */
  readonly limit: number;
  /** What the limit is about, for the client and the logs. */
  readonly scope: RateScope;
  /** Tokens this message spends (default 1): dearer actions spend more of the same limit. */
  readonly cost?: number;
}

/** What a rate limit counts. */
export type RateScope = 'tenant' | 'connection' | 'starts';

/** Whether a message may pass. */
export type RateVerdict =
  | { readonly kind: 'admitted' }
  | {
      readonly kind: 'limited';
      readonly scope: RateScope;
      readonly limit: number;
      readonly windowMs: number;
      /** When the window ends: the earliest a retry can pass. */
      readonly retryAfterMs: number;
    };

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  readonly store: RateWindowStore;
  readonly clock: () => number;
  /** Window length, ms. Default 1,000. */
  readonly windowMs?: number;
  /** Told when the store fails (the limiter then admits, at most a chunk per key and window). */
  readonly onStoreError?: (error: unknown, key: string) => void;
}

/** Tokens an instance holds for one key and window. */
interface Bucket {
  readonly window: number;
  granted: number;
  used: number;
  /** The store said the window is full. */
  exhausted: boolean;
  /** The count of the whole window, as of the last claim. */
  seen: number;
  /** Messages waiting for the pending claim: it claims at least that many. */
  waiting: number;
  /** Tokens this instance spent on the key in the window before: how busy it is likely to be. */
  hint: number;
  pending?: Promise<void>;
  /** The first chunk of the next window, claimed near this one's end. */
  next?: Bucket;
}

const ADMITTED: RateVerdict = { kind: 'admitted' };

/** Starts claiming the next window in its last fifth. */
const NEXT_WINDOW_AT = 0.8;

/**
 * Checks messages against rate limits. One instance per process (a Lambda
 * container, the local gateway), shared by every message it routes.
 *
 * @example
 * const limiter = new RateLimiter({ store, clock: Date.now });
 * const verdict = await limiter.admit([{ key: `tenant#${tenantId}`, limit: 100, scope: 'tenant' }]);
 * if (verdict.kind === 'limited') reply(rateLimited(verdict.retryAfterMs));
 */
export class RateLimiter {
  readonly #store: RateWindowStore;
  readonly #clock: () => number;
  readonly #windowMs: number;
  readonly #onStoreError: (error: unknown, key: string) => void;
  readonly #buckets = new Map<string, Bucket>();
  #sweptWindow = 0;

  constructor(options: RateLimiterOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#windowMs = options.windowMs ?? 1_000;
    this.#onStoreError = options.onStoreError ?? (() => undefined);
  }

  /** Spends one token of each limit, in order; the first limit without one refuses the message. */
  async admit(limits: readonly RateLimit[]): Promise<RateVerdict> {
    for (const limit of limits) {
      if (!(await this.#take(limit))) return this.#limited(limit);
    }
    return ADMITTED;
  }

  /** Each pass spends the tokens, or waits for a claim that adds some or finds the window full: it ends. */
  async #take(limit: RateLimit): Promise<boolean> {
    const cost = Math.min(limit.cost ?? 1, limit.limit);
    for (;;) {
      const bucket = this.#bucket(limit.key);
      if (bucket.used + cost <= bucket.granted) {
        bucket.used += cost;
        this.#topUp(limit, bucket);
        return true;
      }
      if (bucket.exhausted) return false;
      if (bucket.used + cost <= bucket.granted + creditOf(limit.limit, cost)) {
        // On credit: through now, and owed by the claim that is out or starts here.
        bucket.used += cost;
        bucket.pending ??= this.#claim(limit, bucket);
        return true;
      }
      bucket.waiting += cost;
      bucket.pending ??= this.#claim(limit, bucket);
      await bucket.pending;
      bucket.waiting -= cost;
    }
  }

  /** Claims ahead: the next chunk when half the last is spent, the next window near this one's end. */
  #topUp(limit: RateLimit, bucket: Bucket): void {
    const chunk = chunkOf(limit.limit);
    if (!bucket.exhausted && !bucket.pending && bucket.granted - bucket.used <= chunk / 2) {
      bucket.pending = this.#claim(limit, bucket);
    }
    // Only a busy key's next window is claimed ahead: a quiet one's first message passes while
    // it claims, and a refused flood can wait for its next window's claim.
    const busy = !bucket.exhausted && bucket.used >= limit.limit / 4;
    const lateInWindow = this.#clock() - bucket.window >= NEXT_WINDOW_AT * this.#windowMs;
    if (busy && lateInWindow && !bucket.next) {
      const next = freshBucket(bucket.window + this.#windowMs, bucket.used);
      bucket.next = next;
      next.pending = this.#claim(limit, next);
    }
  }

  async #claim(limit: RateLimit, bucket: Bucket): Promise<void> {
    const left = Math.max(1, limit.limit - bucket.seen);
    // A twentieth of the limit, or what this instance already spent in the window (a busy key
    // doubles its claims), never more than half of what is left — or all of it once that is
    // less than a twentieth: few tokens are stranded, and the window's tail is one claim.
    const chunk = chunkOf(limit.limit);
    const ahead = claimAhead(limit.limit, chunk, left, bucket);
    // At least what was spent ahead of the claim and what waits for it.
    const owed = Math.max(0, bucket.used - bucket.granted) + bucket.waiting;
    const want = Math.max(1, Math.min(left, Math.max(owed, ahead)));
    try {
      const claimed = await this.#store.claim({
        key: limit.key,
        window: bucket.window,
        want,
        limit: limit.limit,
        expiresAt: bucket.window + 2 * this.#windowMs,
      });
      bucket.granted += claimed.granted;
      bucket.seen = claimed.used;
      // A window full now (this claim took the rest) needs no claim to find that out.
      if (claimed.granted === 0 || claimed.used >= limit.limit) bucket.exhausted = true;
    } catch (error) {
      // Fail open, within bounds: a chunk for this window, and no more claims in it.
      this.#onStoreError(error, limit.key);
      bucket.granted += want;
      bucket.exhausted = true;
    } finally {
      bucket.pending = undefined;
    }
  }

  /** The key's bucket for the current window (the one claimed ahead, if any). */
  #bucket(key: string): Bucket {
    const window = this.#windowOf(this.#clock());
    this.#sweep(window);
    const bucket = this.#buckets.get(key);
    if (bucket?.window === window) return bucket;
    const hint = bucket?.window === window - this.#windowMs ? bucket.used : 0;
    const fresh = bucket?.next?.window === window ? bucket.next : freshBucket(window, hint);
    this.#buckets.set(key, fresh);
    return fresh;
  }

  /** Forgets keys idle for a whole window (once per window). */
  #sweep(window: number): void {
    if (window === this.#sweptWindow) return;
    this.#sweptWindow = window;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.window < window - this.#windowMs) this.#buckets.delete(key);
    }
  }

  #limited(limit: RateLimit): RateVerdict {
    const now = this.#clock();
    return {
      kind: 'limited',
      scope: limit.scope,
      limit: limit.limit,
      windowMs: this.#windowMs,
      retryAfterMs: Math.max(1, this.#windowOf(now) + this.#windowMs - now),
    };
  }

  #windowOf(time: number): number {
    return Math.floor(time / this.#windowMs) * this.#windowMs;
  }
}

function freshBucket(window: number, hint = 0): Bucket {
  return { window, granted: 0, used: 0, exhausted: false, seen: 0, waiting: 0, hint };
}

/**
 * How many tokens to claim ahead. A key this instance alone filled in the
 * window before (a flood) claims what is left at once; others a twentieth
 * of the limit, or what was spent (so far, or in the whole window before)
 * when more — a steady key claims its window in one go — at most half of
 * what is left, and the last twentieth in one go.
 */
function claimAhead(limit: number, chunk: number, left: number, bucket: Bucket): number {
  if (bucket.hint >= limit || left <= chunk) return left;
  const busy = Math.max(chunk, bucket.used, bucket.hint);
  return Math.min(busy, Math.floor(left / 2));
}

/**
 * How far an instance may spend ahead of the tokens it holds while a claim
 * is out: one chunk (or one message, if it costs more). No message waits for
 * the store until that is spent, so a claim's round trip stays off the hot
 * path; the price is at most this much past the limit per key, window and
 * instance, when the claim comes back short.
 */
export function creditOf(limit: number, cost: number): number {
  return Math.max(chunkOf(limit), cost);
}

/** Tokens per claim: a twentieth of the limit (at most 20 claims per busy key, window and instance). */
export function chunkOf(limit: number): number {
  return Math.max(1, Math.ceil(limit / 20));
}
