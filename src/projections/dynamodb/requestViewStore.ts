import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DEAD_LETTERED_KEY, REQUEST_VIEW_INDEXES } from '../../tables/definitions';
import type { RequestView } from '../requestView';
import type { RunListReader, TenantRunPage, TenantRunQuery } from '../runList';
import { queryTenantRuns } from './tenantRunQuery';

/** Options for {@link DynamoDbRequestViewStore}. */
export interface DynamoDbRequestViewStoreOptions {
  readonly client: DynamoDBClient;
  /** The request view table (`requestViewTable` in `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
}

/** One page of dead-lettered views, oldest first. */
export interface DeadLetteredPage {
  readonly views: readonly RequestView[];
  /** Pass to the next call to continue; absent on the last page. */
  readonly cursor?: string;
}

/**
 * The request view table. A save only lands when it is newer than what is
 * stored (`lastSeq` grows), so replayed or reordered stream batches can never
 * move a view backwards. The item carries `tenantStatus` for the
 * `byTenantStatus` index and, while DEAD_LETTERED, `deadLetteredKey` for the
 * sparse `deadLettered` index (a later save without it takes the row out). A
 * pass that folded only progress updates writes just those fields
 * ({@link DynamoDbRequestViewStore.saveProgress}).
 */
export class DynamoDbRequestViewStore implements RunListReader {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;

  constructor(options: DynamoDbRequestViewStoreOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
  }

  async get(requestKey: string): Promise<RequestView | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName(),
        Key: marshall({ requestKey }),
        ConsistentRead: true,
      }),
    );
    return Item ? toView(Item) : undefined;
  }

  /** Stores `view` unless a view at the same or a later `lastSeq` is there; returns whether it landed. */
  async save(view: RequestView): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName(),
          Item: marshall(
            {
              ...view,
              tenantStatus: `${view.tenantId}#${view.status}`,
              ...(view.status === 'DEAD_LETTERED' && { deadLetteredKey: DEAD_LETTERED_KEY }),
            },
            { removeUndefinedValues: true, convertClassInstanceToMap: true },
          ),
          ConditionExpression: 'attribute_not_exists(requestKey) OR lastSeq < :seq',
          ExpressionAttributeValues: marshall({ ':seq': view.lastSeq }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * One page of one tenant's runs, newest first (the `list` action; see
   * {@link queryTenantRuns}).
   *
   * @example
   * const page = await views.listByTenant({ tenantId: 'acme', status: 'FAILED', limit: 25 });
   * const next = page.last && (await views.listByTenant({ tenantId: 'acme', status: 'FAILED', limit: 25, startAfter: page.last }));
   */
  listByTenant(query: TenantRunQuery): Promise<TenantRunPage> {
    return queryTenantRuns(this.#client, this.#tableName(), query);
  }

  /**
   * One page of the dead-lettered requests of every tenant (the sparse
   * `deadLettered` index, eventually consistent: check each against its log
   * before acting on it).
   *
   * @example
   * let cursor: string | undefined;
   * do {
   *   const page = await views.listDeadLettered(cursor);
   *   for (const view of page.views) console.log(view.requestKey);
   *   cursor = page.cursor;
   * } while (cursor);
   */
  async listDeadLettered(cursor?: string, limit = 100): Promise<DeadLetteredPage> {
    const { Items = [], LastEvaluatedKey } = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName(),
        IndexName: REQUEST_VIEW_INDEXES.deadLettered,
        KeyConditionExpression: 'deadLetteredKey = :key',
        ExpressionAttributeValues: marshall({ ':key': DEAD_LETTERED_KEY }),
        Limit: limit,
        ...(cursor && {
          ExclusiveStartKey: JSON.parse(Buffer.from(cursor, 'base64url').toString()),
        }),
      }),
    );
    return {
      views: Items.map(toView),
      ...(LastEvaluatedKey && {
        cursor: Buffer.from(JSON.stringify(LastEvaluatedKey)).toString('base64url'),
      }),
    };
  }

  /**
   * Stores `view`'s `progress`, `progressMessage` and `lastSeq` only, when
   * the stored view is at exactly `previousLastSeq` (every other field is
   * then already `view`'s: progress events change nothing else). Returns
   * whether it landed; the caller falls back to {@link save}. It sends and
   * marshals a fraction of the item, but bills like a put: DynamoDB charges
   * an update by the larger of the item before and after.
   */
  async saveProgress(view: RequestView, previousLastSeq: number): Promise<boolean> {
    const message = view.progressMessage;
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName(),
          Key: marshall({ requestKey: view.requestKey }),
          UpdateExpression:
            message === undefined
              ? 'SET lastSeq = :seq, progress = :progress REMOVE progressMessage'
              : 'SET lastSeq = :seq, progress = :progress, progressMessage = :message',
          ConditionExpression: 'lastSeq = :previous',
          ExpressionAttributeValues: marshall({
            ':seq': view.lastSeq,
            ':progress': view.progress,
            ':previous': previousLastSeq,
            ...(message !== undefined && { ':message': message }),
          }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toView(item: Parameters<typeof unmarshall>[0]): RequestView {
  const { tenantStatus: _status, deadLetteredKey: _key, ...view } = unmarshall(item);
  return view as RequestView;
}
