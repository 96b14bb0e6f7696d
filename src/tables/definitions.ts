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

/**
 * Which attributes a global secondary index copies from the table. An index
 * is written whenever a table write changes its keys or an attribute it
 * copies, so the fewer it copies, the fewer writes it takes:
 * - `ALL`: every attribute (the default).
 * - `KEYS_ONLY`: the table's and the index's keys.
 * - `INCLUDE`: the keys plus `attributes` (non-key attributes only).
 *
 * DynamoDB cannot change an existing index's projection: the index must be
 * deleted and created again (see docs/decisions/view-index-projections.md).
 */
export type IndexProjection =
  | { readonly type: 'ALL' }
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'INCLUDE'; readonly attributes: readonly string[] };

/** A global secondary index. */
export interface GlobalIndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** What the index copies from the table. Default: `{ type: 'ALL' }`. */
  readonly projection?: IndexProjection;
}

const ALL: IndexProjection = { type: 'ALL' };

/** The projection of `index`, its default (`ALL`) filled in. */
export function projectionOf(index: GlobalIndexDefinition): IndexProjection {
  return index.projection ?? ALL;
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

/**
 * The view attributes a `list` row needs that a progress-only pass rewrites.
 * No list index copies them (else every progress update would write both
 * indexes too).
 */
export const RUN_PROGRESS_ATTRIBUTES = ['progress', 'progressMessage', 'lastSeq'] as const;

/**
 * The view attributes a `list` row needs (`runSummary` in
 * src/router/inspectActions.ts) besides the progress ones and the keys
 * (`requestKey`, `createdAt`): with {@link RUN_PROGRESS_ATTRIBUTES}, what
 * `list` reads of each row from the table after the index query.
 */
export const RUN_LIST_ATTRIBUTES = [
  'requestId',
  'tenantId',
  'userId',
  'action',
  'status',
  'error',
  'retryCount',
  'maxRetries',
  'queuePosition',
  'processingStarted',
  'processingEnded',
] as const;

/**
 * What a list index copies: the client's id of the run (to read its row from
 * the table) and its `action` (the `list` filter). Both are set once, when
 * the run is accepted, so a list index is written only when its keys change
 * (`byTenantStatus` on a status change, `byTenant` at creation and expiry),
 * never for a progress, retry or queue update: `list` reads the rows
 * themselves from the table.
 */
export const LIST_INDEX_ATTRIBUTES = ['requestId', 'action'] as const;

const LIST_INDEX_PROJECTION: IndexProjection = {
  type: 'INCLUDE',
  attributes: LIST_INDEX_ATTRIBUTES,
};

/** The request view's indexes that can be lean, by name. */
export type LeanViewIndex = 'byConnection' | 'byTenantStatus' | 'byTenant';

/**
 * How one of them is kept: `'lean'` (`byConnection` keys only, the list
 * indexes the {@link LIST_INDEX_ATTRIBUTES}), `'all'` (every attribute, as
 * before they were lean), or `'omit'`: left out of the table, a step of
 * migrating a deployed stack (docs/deploy.md) while nothing may query it.
 */
export type ViewIndexSetting = 'lean' | 'all' | 'omit';

/**
 * How the request view's indexes are projected:
 * - `'lean'` (the default): so that a progress-only pass writes the table
 *   alone, not three indexes beside it.
 * - `'all'`: every index copies every attribute, as stacks deployed before
 *   the indexes were lean have them. DynamoDB cannot change an index's
 *   projection in place, so such a stack keeps `'all'` until it migrates.
 * - per index (unnamed ones `'lean'`): the steps of that migration, one
 *   index deleted or created per deploy (docs/deploy.md).
 *
 * `deadLettered` copies every attribute whatever the setting: a row is in it
 * only while DEAD_LETTERED, when no progress pass touches it, and redrive
 * reads whole views from it.
 */
export type RequestViewIndexProjection =
  | 'lean'
  | 'all'
  | Readonly<Partial<Record<LeanViewIndex, ViewIndexSetting>>>;

function settingOf(projection: RequestViewIndexProjection, index: LeanViewIndex): ViewIndexSetting {
  return typeof projection === 'string' ? projection : (projection[index] ?? 'lean');
}

/** One lean-able index as `setting` says (absent when omitted). */
function viewIndex(
  index: GlobalIndexDefinition & { readonly indexName: LeanViewIndex },
  lean: IndexProjection,
  setting: ViewIndexSetting,
): GlobalIndexDefinition[] {
  if (setting === 'omit') return [];
  return [setting === 'lean' ? { ...index, projection: lean } : index];
}

/**
 * The request view table with its indexes projected as `projection` says.
 *
 * @example
 * requestViewTableWith('all'); // a stack deployed before the indexes were lean
 * requestViewTableWith({ byConnection: 'omit', byTenantStatus: 'all', byTenant: 'all' }); // migration, step 1
 */
export function requestViewTableWith(
  projection: RequestViewIndexProjection = 'lean',
): TableDefinition {
  const createdAt: KeyAttribute = { name: 'createdAt', type: 'N' };
  const { byConnection, byTenantStatus, byTenant, deadLettered } = REQUEST_VIEW_INDEXES;
  return {
    id: 'RequestView',
    partitionKey: { name: 'requestKey', type: 'S' },
    globalIndexes: [
      ...viewIndex(
        {
          indexName: byConnection,
          partitionKey: { name: 'connectionId', type: 'S' },
          sortKey: createdAt,
        },
        { type: 'KEYS_ONLY' },
        settingOf(projection, byConnection),
      ),
      ...viewIndex(
        {
          indexName: byTenantStatus,
          partitionKey: { name: 'tenantStatus', type: 'S' },
          sortKey: createdAt,
        },
        LIST_INDEX_PROJECTION,
        settingOf(projection, byTenantStatus),
      ),
      ...viewIndex(
        { indexName: byTenant, partitionKey: { name: 'tenantId', type: 'S' }, sortKey: createdAt },
        LIST_INDEX_PROJECTION,
        settingOf(projection, byTenant),
      ),
      {
        indexName: deadLettered,
        partitionKey: { name: 'deadLetteredKey', type: 'S' },
        sortKey: createdAt,
      },
    ],
    timeToLiveAttribute: 'ttl',
  };
}

/** The request view: the projection of each request's log, one item per request (lean indexes). */
export const requestViewTable: TableDefinition = requestViewTableWith('lean');

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

/**
 * Every table Streamer uses, by role, with the request view's indexes
 * projected as `requestViewIndexes` says: what the CDK construct and the
 * Pulumi component build.
 */
export function tablesWith(
  requestViewIndexes: RequestViewIndexProjection = 'lean',
): Record<TableRole, TableDefinition> {
  if (requestViewIndexes === 'lean') return tables;
  return { ...tables, requestView: requestViewTableWith(requestViewIndexes) };
}

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
