import type { SubscriptionRecord } from '../connections/subscriptionStore';
import type { RequestView } from './requestView';

/** A map that forgets its least recently used entry beyond `capacity`. */
class Lru<V> {
  readonly #entries = new Map<string, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }
}

/** A request's subscribers as read at a subscription version (see `SubscriberChanges`). */
export interface KnownSubscribers {
  readonly version: number;
  readonly subscriptions: readonly SubscriptionRecord[];
}

/** Options for {@link ProjectionCache}. */
export interface ProjectionCacheOptions {
  /** Request views (each with its subscriber list) kept (default 10,000, about 10 MB). */
  readonly views?: number;
  /** Connections whose tenant is kept (default 10,000). */
  readonly connections?: number;
  /** How long a connection's tenant is trusted before it is read again (default 10 minutes). */
  readonly connectionTtlMs?: number;
  /** The clock the connection entries expire by (default `Date.now`). */
  readonly clock?: () => number;
}

/**
 * What a projector keeps between passes (one per Lambda container): the
 * last view it stored or read per request, so a pass reads no view; the
 * request's subscribers at the subscription version its last save landed
 * at, so a pass queries no subscriptions; and the tenant of each connection
 * it posted to, so a pass reads no connection record. All are only ever a
 * head start: a view is saved conditionally on `lastSeq` and on the
 * subscription version, so a stale copy (another container projected
 * further, or a subscription changed) fails its save and is dropped or read
 * again; a connection that is gone answers 410 and is dropped. A
 * connection's tenant never changes (ids are not reused: API Gateway's are
 * unique, the local gateway's are 88 random bits), and the
 * entry expires anyway.
 *
 * @example
 * const cache = new ProjectionCache();
 * await projectRequest({ ...deps, cache }, requestKey, events);
 */
export class ProjectionCache {
  readonly #views: Lru<RequestView>;
  readonly #subscribers: Lru<KnownSubscribers>;
  readonly #tenants: Lru<{ readonly tenantId: string; readonly until: number }>;
  readonly #ttlMs: number;
  readonly #clock: () => number;

  constructor(options: ProjectionCacheOptions = {}) {
    this.#views = new Lru(options.views ?? 10_000);
    this.#subscribers = new Lru(options.views ?? 10_000);
    this.#tenants = new Lru(options.connections ?? 10_000);
    this.#ttlMs = options.connectionTtlMs ?? 10 * 60 * 1000;
    this.#clock = options.clock ?? Date.now;
  }

  /** The view this projector last stored or read for `requestKey`. */
  view(requestKey: string): RequestView | undefined {
    return this.#views.get(requestKey);
  }

  rememberView(view: RequestView): void {
    this.#views.set(view.requestKey, view);
  }

  /** Drops the view and the subscribers kept with it. */
  forgetView(requestKey: string): void {
    this.#views.delete(requestKey);
    this.#subscribers.delete(requestKey);
  }

  /** The request's subscribers at the subscription version of the last view this projector stored. */
  subscribers(requestKey: string): KnownSubscribers | undefined {
    return this.#subscribers.get(requestKey);
  }

  rememberSubscribers(requestKey: string, known: KnownSubscribers): void {
    this.#subscribers.set(requestKey, known);
  }

  /** The tenant holding `connectionId`, while the entry is fresh. */
  connectionTenant(connectionId: string): string | undefined {
    const entry = this.#tenants.get(connectionId);
    if (!entry || entry.until <= this.#clock()) return undefined;
    return entry.tenantId;
  }

  rememberConnection(connectionId: string, tenantId: string): void {
    this.#tenants.set(connectionId, { tenantId, until: this.#clock() + this.#ttlMs });
  }

  forgetConnection(connectionId: string): void {
    this.#tenants.delete(connectionId);
  }
}
