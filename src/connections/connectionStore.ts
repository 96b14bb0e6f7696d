/** How long a connection record lives without renewal (API Gateway caps a connection at 2 h). */
export const CONNECTION_TTL_SECONDS = 24 * 60 * 60;

/** One open WebSocket connection and who holds it (DESIGN §3, connections table). */
export interface ConnectionRecord {
  readonly connectionId: string;
  readonly userId: string;
  readonly tenantId: string;
  /** Management API endpoint that reaches this connection (`https://<domain>/<stage>`). */
  readonly endpoint: string;
  /** Unix epoch ms. */
  readonly connectedAt: number;
  /** Unix epoch ms of the last `ping` (or the connect). */
  readonly lastPing: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Unix epoch seconds when DynamoDB may expire the record. */
  readonly ttl: number;
}

/** The port for connection records; `DynamoDbConnectionStore` and `InMemoryConnectionStore` implement it. */
export interface ConnectionStore {
  /** Stores (or replaces) a record. */
  put(record: ConnectionRecord): Promise<void>;
  get(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Deletes a record; deleting a missing one is not an error. */
  delete(connectionId: string): Promise<void>;
  /** Records a `ping`: moves `lastPing` and extends the TTL. No-op for a missing record. */
  touch(connectionId: string, at: number): Promise<void>;
}

/**
 * Builds the record stored on `$connect`, expiring {@link CONNECTION_TTL_SECONDS} after `connectedAt`.
 *
 * @example
 * await connections.put(newConnectionRecord({ connectionId, userId, tenantId, endpoint, connectedAt: Date.now() }));
 */
export function newConnectionRecord(fields: {
  readonly connectionId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly endpoint: string;
  readonly connectedAt: number;
  readonly metadata?: Readonly<Record<string, string>>;
}): ConnectionRecord {
  return {
    ...fields,
    lastPing: fields.connectedAt,
    metadata: fields.metadata ?? {},
    ttl: Math.floor(fields.connectedAt / 1000) + CONNECTION_TTL_SECONDS,
  };
}

/** Connection records in process memory, for unit tests. */
export class InMemoryConnectionStore implements ConnectionStore {
  readonly #records = new Map<string, ConnectionRecord>();

  async put(record: ConnectionRecord): Promise<void> {
    this.#records.set(record.connectionId, { ...record });
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const record = this.#records.get(connectionId);
    return record && { ...record };
  }

  async delete(connectionId: string): Promise<void> {
    this.#records.delete(connectionId);
  }

  async touch(connectionId: string, at: number): Promise<void> {
    const record = this.#records.get(connectionId);
    if (record) {
      this.#records.set(connectionId, {
        ...record,
        lastPing: at,
        ttl: Math.floor(at / 1000) + CONNECTION_TTL_SECONDS,
      });
    }
  }
}
