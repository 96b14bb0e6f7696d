import type { RequestStatus, RequestView } from './requestView';

/**
 * Listing a tenant's runs from the request view (the `list` action). The
 * query always names one tenant, and every adapter reads only that tenant's
 * index partition: a position to resume from is the client's request id and
 * its `createdAt`, never a storage key, so no position can point into
 * another tenant's rows.
 */

/** Where a page ended: the last row the store looked at (not necessarily one it returned). */
export interface RunListPosition {
  /** The client's own id of that run (the tenant comes from the query). */
  readonly requestId: string;
  readonly createdAt: number;
}

/** One page's worth of filters, for one tenant, newest first. */
export interface TenantRunQuery {
  readonly tenantId: string;
  readonly status?: RequestStatus;
  readonly action?: string;
  /** `createdAt` at or after (epoch ms). */
  readonly since?: number;
  /** `createdAt` at or before (epoch ms). */
  readonly until?: number;
  /** At most this many views. */
  readonly limit: number;
  /** Resume after this row (from the previous page's `last`). */
  readonly startAfter?: RunListPosition;
}

/** One page of runs. */
export interface TenantRunPage {
  readonly views: readonly RequestView[];
  /** Present while more rows may match: pass it as the next query's `startAfter`. */
  readonly last?: RunListPosition;
}

/** Reads pages of one tenant's runs (`DynamoDbRequestViewStore` in AWS and locally). */
export interface RunListReader {
  listByTenant(query: TenantRunQuery): Promise<TenantRunPage>;
}
