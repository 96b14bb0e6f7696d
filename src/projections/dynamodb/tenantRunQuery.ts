import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { parseRequestKey, toRequestKey } from '../../events/requestKey';
import {
  REQUEST_VIEW_INDEXES,
  RUN_LIST_ATTRIBUTES,
  RUN_PROGRESS_ATTRIBUTES,
} from '../../tables/definitions';
import type { RequestView } from '../requestView';
import type { RunListPosition, TenantRunPage, TenantRunQuery } from '../runList';
import { batchGetConsistent } from './batchGetConsistent';

/**
 * Rows a page may look at before it returns (with a cursor) however few
 * matched: an `action` filter is applied after the index read, so a tenant
 * with few runs of that action must not make one `list` call read the
 * whole partition.
 */
export const MAX_ROWS_EXAMINED_PER_PAGE = 1_000;

/** Which index partition a query reads: always one of the query's own tenant. */
function partitionOf(query: TenantRunQuery): { index: string; attribute: string; value: string } {
  return query.status
    ? {
        index: REQUEST_VIEW_INDEXES.byTenantStatus,
        attribute: 'tenantStatus',
        value: `${query.tenantId}#${query.status}`,
      }
    : { index: REQUEST_VIEW_INDEXES.byTenant, attribute: 'tenantId', value: query.tenantId };
}

function keyCondition(query: TenantRunQuery): {
  expression: string;
  values: Record<string, unknown>;
} {
  const values: Record<string, unknown> = { ':partition': partitionOf(query).value };
  let range = '';
  if (query.since !== undefined && query.until !== undefined) {
    range = ' AND createdAt BETWEEN :since AND :until';
    Object.assign(values, { ':since': query.since, ':until': query.until });
  } else if (query.since !== undefined) {
    range = ' AND createdAt >= :since';
    values[':since'] = query.since;
  } else if (query.until !== undefined) {
    range = ' AND createdAt <= :until';
    values[':until'] = query.until;
  }
  return { expression: `#partition = :partition${range}`, values };
}

/** The index key of a position, rebuilt with the query's tenant (never read from the client). */
function startKey(
  query: TenantRunQuery,
  position: RunListPosition,
): Record<string, AttributeValue> {
  const { attribute, value } = partitionOf(query);
  return marshall({
    requestKey: toRequestKey(query.tenantId, position.requestId),
    [attribute]: value,
    createdAt: position.createdAt,
  });
}

/** A LastEvaluatedKey as a position, if it lies in the query's tenant (it always should). */
function positionOf(
  query: TenantRunQuery,
  key: Record<string, AttributeValue>,
): RunListPosition | undefined {
  const { requestKey, createdAt } = unmarshall(key) as {
    requestKey?: unknown;
    createdAt?: unknown;
  };
  if (typeof requestKey !== 'string' || typeof createdAt !== 'number') return undefined;
  const parsed = parseRequestKey(requestKey);
  return parsed.tenantId === query.tenantId
    ? { requestId: parsed.requestId, createdAt }
    : undefined;
}

/** What a `list` row is read as from the table: everything `list` shows, keys included. */
const ROW_ATTRIBUTES = [
  'requestKey',
  'createdAt',
  ...RUN_LIST_ATTRIBUTES,
  ...RUN_PROGRESS_ATTRIBUTES,
] as const;

/**
 * One page of a tenant's runs, newest first, from the `byTenant` index (or
 * `byTenantStatus` with a status): a range condition on `createdAt` for the
 * time filters, a filter expression for `action`. Reads in rounds until
 * `limit` rows matched, the partition ended, or
 * {@link MAX_ROWS_EXAMINED_PER_PAGE} rows were examined.
 *
 * The indexes do not copy what progress updates rewrite (`progress`,
 * `progressMessage`, `lastSeq`), so the rows themselves come from the table
 * afterwards ({@link currentRows}): strongly consistent and all of one
 * moment, so a row's `lastSeq` never runs ahead of its status. Which rows,
 * and their order, come from the index, eventually consistent.
 */
export async function queryTenantRuns(
  client: DynamoDBClient,
  tableName: string,
  query: TenantRunQuery,
): Promise<TenantRunPage> {
  const { index, attribute } = partitionOf(query);
  const condition = keyCondition(query);
  const found: string[] = [];
  let examined = 0;
  let exclusiveStart = query.startAfter && startKey(query, query.startAfter);
  while (found.length < query.limit && examined < MAX_ROWS_EXAMINED_PER_PAGE) {
    const {
      Items = [],
      LastEvaluatedKey,
      ScannedCount = 0,
    } = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index,
        KeyConditionExpression: condition.expression,
        ...(query.action && { FilterExpression: '#action = :action' }),
        ExpressionAttributeNames: {
          '#partition': attribute,
          ...(query.action && { '#action': 'action' }),
        },
        ExpressionAttributeValues: marshall({
          ...condition.values,
          ...(query.action && { ':action': query.action }),
        }),
        ScanIndexForward: false,
        // Limit counts rows examined, before the filter: never more than the page still needs.
        Limit: Math.min(query.limit - found.length, MAX_ROWS_EXAMINED_PER_PAGE - examined),
        ...(exclusiveStart && { ExclusiveStartKey: exclusiveStart }),
      }),
    );
    examined += ScannedCount;
    for (const item of Items) found.push(requestIdOf(item));
    exclusiveStart = LastEvaluatedKey;
    if (!LastEvaluatedKey) break;
  }
  const last = exclusiveStart && positionOf(query, exclusiveStart);
  const views = await currentRows(client, tableName, query, found);
  return { views, ...(last && { last }) };
}

function requestIdOf(item: Record<string, AttributeValue>): string {
  const { requestId } = unmarshall(item) as { requestId?: unknown };
  if (typeof requestId !== 'string') throw new Error('A request view index row has no requestId');
  return requestId;
}

/**
 * The rows the index named, read from the table in the index's order, their
 * keys rebuilt with the query's tenant (so no other tenant's row can be
 * read). A row gone since (expired) is left out, and so is one whose
 * status moved on from the one asked for: the index had not caught up yet.
 */
async function currentRows(
  client: DynamoDBClient,
  tableName: string,
  query: TenantRunQuery,
  requestIds: readonly string[],
): Promise<RequestView[]> {
  const keys = requestIds.map((id) => toRequestKey(query.tenantId, id));
  const items = await batchGetConsistent(client, {
    tableName,
    keys: keys.map((requestKey) => marshall({ requestKey })),
    attributes: ROW_ATTRIBUTES,
  });
  const byKey = new Map(
    items.map((item) => unmarshall(item) as RequestView).map((view) => [view.requestKey, view]),
  );
  return keys.flatMap((key) => {
    const view = byKey.get(key);
    const matches =
      view && view.tenantId === query.tenantId && (!query.status || view.status === query.status);
    return matches ? [view] : [];
  });
}
