import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { parseRequestKey, toRequestKey } from '../../events/requestKey';
import { REQUEST_VIEW_INDEXES } from '../../tables/definitions';
import type { RequestView } from '../requestView';
import type { RunListPosition, TenantRunPage, TenantRunQuery } from '../runList';

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

/**
 * One page of a tenant's runs, newest first, from the `byTenant` index (or
 * `byTenantStatus` with a status): a range condition on `createdAt` for the
 * time filters, a filter expression for `action`. Reads in rounds until
 * `limit` views matched, the partition ended, or
 * {@link MAX_ROWS_EXAMINED_PER_PAGE} rows were examined. Eventually
 * consistent, like every index read.
 */
export async function queryTenantRuns(
  client: DynamoDBClient,
  tableName: string,
  query: TenantRunQuery,
): Promise<TenantRunPage> {
  const { index, attribute } = partitionOf(query);
  const condition = keyCondition(query);
  const views: RequestView[] = [];
  let examined = 0;
  let exclusiveStart = query.startAfter && startKey(query, query.startAfter);
  while (views.length < query.limit && examined < MAX_ROWS_EXAMINED_PER_PAGE) {
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
        Limit: Math.min(query.limit - views.length, MAX_ROWS_EXAMINED_PER_PAGE - examined),
        ...(exclusiveStart && { ExclusiveStartKey: exclusiveStart }),
      }),
    );
    examined += ScannedCount;
    for (const item of Items) views.push(toView(item));
    exclusiveStart = LastEvaluatedKey;
    if (!LastEvaluatedKey) break;
  }
  const last = exclusiveStart && positionOf(query, exclusiveStart);
  return { views, ...(last && { last }) };
}

function toView(item: Record<string, AttributeValue>): RequestView {
  const { tenantStatus: _status, deadLetteredKey: _key, ...view } = unmarshall(item);
  return view as RequestView;
}
