/**
 * The one place Streamer's DynamoDB tables are defined. The local stack and
 * the tests build them with `toCreateTableInput`; the CDK app maps the very
 * same objects onto `dynamodb.Table`. Nothing here imports an SDK.
 */

/** A key attribute: its name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index (projection: all attributes). */
export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

/** An SDK- and CDK-neutral description of one table. */
export interface TableDefinition {
  /** Logical name, used for construct ids and default physical names. */
  readonly id: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, when the table uses TTL. */
  readonly timeToLiveAttribute?: string;
  /** Stream view type, when the table feeds stream consumers. */
  readonly stream?: 'NEW_IMAGE';
}

/** The requests table is the event log: one item per event, keyed by request and `seq`. */
export const requestsTable: TableDefinition = {
  id: 'Requests',
  partitionKey: { name: 'requestKey', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  globalIndexes: [],
  stream: 'NEW_IMAGE',
};

/** Index names of the request view table. */
export const REQUEST_VIEW_INDEXES = {
  /** A connection's requests, newest last. */
  byConnection: 'byConnection',
  /** A tenant's requests in one status, by creation time (`tenantStatus` = `<tenantId>#<STATUS>`). */
  byTenantStatus: 'byTenantStatus',
  /**
   * Every request of one tenant, by creation time: what `list` without a
   * status filter reads (one partition per tenant, instead of merging seven
   * `byTenantStatus` partitions page by page).
   */
  byTenant: 'byTenant',
  /**
   * Every dead-lettered request of every tenant, by creation time. Sparse:
   * only a row whose status is `DEAD_LETTERED` carries its partition key
   * (`deadLetteredKey`, always {@link DEAD_LETTERED_KEY}), so the index holds
   * nothing else and an operator's redrive finds them all with one query,
   * whatever happened to the queue's messages.
   */
  deadLettered: 'deadLettered',
} as const;

/** The one value of `deadLetteredKey`, the partition key of the sparse `deadLettered` index. */
export const DEAD_LETTERED_KEY = 'DEAD_LETTERED';

/** The request view: the projection of each request's log, one item per request. */
export const requestViewTable: TableDefinition = {
  id: 'RequestView',
  partitionKey: { name: 'requestKey', type: 'S' },
  globalIndexes: [
    {
      indexName: REQUEST_VIEW_INDEXES.byConnection,
      partitionKey: { name: 'connectionId', type: 'S' },
      sortKey: { name: 'createdAt', type: 'N' },
    },
    {
      indexName: REQUEST_VIEW_INDEXES.byTenantStatus,
      partitionKey: { name: 'tenantStatus', type: 'S' },
      sortKey: { name: 'createdAt', type: 'N' },
    },
    {
      indexName: REQUEST_VIEW_INDEXES.byTenant,
      partitionKey: { name: 'tenantId', type: 'S' },
      sortKey: { name: 'createdAt', type: 'N' },
    },
    {
      indexName: REQUEST_VIEW_INDEXES.deadLettered,
      partitionKey: { name: 'deadLetteredKey', type: 'S' },
      sortKey: { name: 'createdAt', type: 'N' },
    },
  ],
  timeToLiveAttribute: 'ttl',
};

/** Index names of the connections table. */
export const CONNECTION_INDEXES = {
  byUser: 'byUser',
  byTenant: 'byTenant',
} as const;

/** Open WebSocket connections, with who holds them. */
export const connectionsTable: TableDefinition = {
  id: 'Connections',
  partitionKey: { name: 'connectionId', type: 'S' },
  globalIndexes: [
    { indexName: CONNECTION_INDEXES.byUser, partitionKey: { name: 'userId', type: 'S' } },
    { indexName: CONNECTION_INDEXES.byTenant, partitionKey: { name: 'tenantId', type: 'S' } },
  ],
  timeToLiveAttribute: 'ttl',
};

/** Index names of the subscriptions table. */
export const SUBSCRIPTION_INDEXES = {
  /** Every subscription a connection holds, to drop them on disconnect. */
  byConnection: 'byConnection',
} as const;

/**
 * Which connections follow which request beyond the one that submitted it
 * (`subscribe` / `unsubscribe`). Keyed by request, so the projector finds a
 * request's subscribers with one query.
 */
export const subscriptionsTable: TableDefinition = {
  id: 'Subscriptions',
  partitionKey: { name: 'requestKey', type: 'S' },
  sortKey: { name: 'connectionId', type: 'S' },
  globalIndexes: [
    {
      indexName: SUBSCRIPTION_INDEXES.byConnection,
      partitionKey: { name: 'connectionId', type: 'S' },
    },
  ],
  timeToLiveAttribute: 'ttl',
};

/**
 * Flow control of the back end (`docs/flow-control.md`): concurrency slots
 * (`slot#<key>`: a head item `#` with the holders, one item `w#<order>` per
 * waiter in line) and dependency circuits (`circuit#<tenant>#<dependency>`).
 * Written with conditions only, so every processor sees the same limits.
 */
export const flowControlTable: TableDefinition = {
  id: 'FlowControl',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalIndexes: [],
  timeToLiveAttribute: 'ttl',
};

/**
 * The router's message-rate counters: one item per key (`tenant#<id>`,
 * `connection#<id>`, `starts#<id>`) and fixed window, claimed in chunks
 * with conditional `ADD`s (`docs/decisions/flow-control-rate-limits.md`).
 */
export const rateLimitsTable: TableDefinition = {
  id: 'RateLimits',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'window', type: 'N' },
  globalIndexes: [],
  timeToLiveAttribute: 'ttl',
};

/** Every table Streamer uses, by role. */
export const tables = {
  requests: requestsTable,
  requestView: requestViewTable,
  connections: connectionsTable,
  subscriptions: subscriptionsTable,
  flowControl: flowControlTable,
  rateLimits: rateLimitsTable,
} as const;

/** A table's role in {@link tables}. */
export type TableRole = keyof typeof tables;

/** Physical table names, by role. */
export type TableNames = Record<TableRole, string>;

/** Physical names for every table, `<prefix>-<id>` (e.g. `streamer-dev-Requests`). */
export function tableNames(prefix: string): TableNames {
  return {
    requests: `${prefix}-${requestsTable.id}`,
    requestView: `${prefix}-${requestViewTable.id}`,
    connections: `${prefix}-${connectionsTable.id}`,
    subscriptions: `${prefix}-${subscriptionsTable.id}`,
    flowControl: `${prefix}-${flowControlTable.id}`,
    rateLimits: `${prefix}-${rateLimitsTable.id}`,
  };
}
