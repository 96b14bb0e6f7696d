/** How long a subscription lives (a connection lasts at most 2 h; disconnect removes it sooner). */
export const SUBSCRIPTION_TTL_SECONDS = 24 * 60 * 60;

/**
 * A connection following a request it did not necessarily submit
 * (subscriptions table). `requestKey` is the tenant-scoped storage key.
 */
export interface SubscriptionRecord {
  readonly requestKey: string;
  readonly connectionId: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The client's own id of the request, which frames carry as `request_id`. */
  readonly requestId: string;
  /** Unix epoch ms. */
  readonly subscribedAt: number;
  /** Unix epoch seconds. */
  readonly ttl: number;
}

/** The port for subscriptions; `DynamoDbSubscriptionStore` and `InMemorySubscriptionStore` implement it. */
export interface SubscriptionStore {
  /** Stores (or renews) a subscription. */
  put(record: SubscriptionRecord): Promise<void>;
  /** Removes one subscription; returns whether it existed. */
  delete(requestKey: string, connectionId: string): Promise<boolean>;
  /** Every connection following a request (the projector's fan-out). */
  listByRequest(requestKey: string): Promise<SubscriptionRecord[]>;
  /** Removes every subscription a connection holds (on disconnect or 410). */
  deleteByConnection(connectionId: string): Promise<number>;
}

/** Builds a subscription record expiring {@link SUBSCRIPTION_TTL_SECONDS} after `subscribedAt`. */
export function newSubscriptionRecord(fields: Omit<SubscriptionRecord, 'ttl'>): SubscriptionRecord {
  return { ...fields, ttl: Math.floor(fields.subscribedAt / 1000) + SUBSCRIPTION_TTL_SECONDS };
}

/** Subscriptions in process memory, for unit tests. */
export class InMemorySubscriptionStore implements SubscriptionStore {
  readonly #records = new Map<string, SubscriptionRecord>();

  async put(record: SubscriptionRecord): Promise<void> {
    this.#records.set(`${record.requestKey}\u0000${record.connectionId}`, { ...record });
  }

  async delete(requestKey: string, connectionId: string): Promise<boolean> {
    return this.#records.delete(`${requestKey}\u0000${connectionId}`);
  }

  async listByRequest(requestKey: string): Promise<SubscriptionRecord[]> {
    return [...this.#records.values()]
      .filter((r) => r.requestKey === requestKey)
      .map((r) => ({ ...r }));
  }

  async deleteByConnection(connectionId: string): Promise<number> {
    let removed = 0;
    for (const [key, record] of this.#records) {
      if (record.connectionId === connectionId) {
        this.#records.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
