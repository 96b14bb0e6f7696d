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
import type { SubscriberChanges, ViewSaved } from '../projector';
import { REQUEST_VIEW_TTL_SECONDS, type RequestView } from '../requestView';
import type { RunListReader, TenantRunPage, TenantRunQuery } from '../runList';
import { queryTenantRuns } from './tenantRunQuery';

/** Options for {@link DynamoDbRequestViewStore}. */
export interface DynamoDbRequestViewStoreOptions {
  readonly client: DynamoDBClient;
  /** The request view table (`requestViewTable` in `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
  /** Epoch ms, for the expiry of an item that only holds a subscription version (default `Date.now`). */
  readonly clock?: () => number;
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
 * ({@link DynamoDbRequestViewStore.saveProgress}). The item also holds the
 * request's `subscriptionVersion`, which the router moves on
 * ({@link DynamoDbRequestViewStore.subscribersChanged}) and every save is
 * conditional on, so projectors can keep subscriber lists between passes.
 */
export class DynamoDbRequestViewStore implements RunListReader, SubscriberChanges {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;
  readonly #clock: () => number;

  constructor(options: DynamoDbRequestViewStoreOptions) {
    this.#client = options.client;
    this.#clock = options.clock ?? Date.now;
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

  /**
   * Stores `view` unless a view at the same or a later `lastSeq` is there,
   * and only while the request's `subscriptionVersion` is the one given
   * (absent counts as 0). The item carries that version on, so a full put
   * never loses one the router announced. A refusal says which rule refused
   * it from the old item (`ReturnValuesOnConditionCheckFailure`), with no
   * second read.
   */
  async save(view: RequestView, subscriptionVersion = 0): Promise<ViewSaved> {
    const version = versionCondition(subscriptionVersion);
    const put = new PutItemCommand({
      TableName: this.#tableName(),
      Item: marshall(
        {
          ...view,
          tenantStatus: `${view.tenantId}#${view.status}`,
          ...(view.status === 'DEAD_LETTERED' && { deadLetteredKey: DEAD_LETTERED_KEY }),
          ...(subscriptionVersion > 0 && { subscriptionVersion }),
        },
        { removeUndefinedValues: true, convertClassInstanceToMap: true },
      ),
      ConditionExpression: `(attribute_not_exists(lastSeq) OR lastSeq < :seq) AND ${version.expression}`,
      ExpressionAttributeValues: marshall({ ':seq': view.lastSeq, ...version.values }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return this.#conditional(
      (old) => refusalOfSave(old, view.lastSeq),
      () => this.#client.send(put),
    );
  }

  /**
   * Announces a change of the request's subscriptions: `ADD
   * subscriptionVersion 1` on its view item (an item with the version
   * alone when no view is stored, which {@link get} reads as no view and
   * which expires like a view unless one is saved over it).
   */
  async subscribersChanged(requestKey: string): Promise<void> {
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#tableName(),
        Key: marshall({ requestKey }),
        UpdateExpression: 'ADD subscriptionVersion :one SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: marshall({
          ':one': 1,
          ':ttl': Math.floor(this.#clock() / 1000) + REQUEST_VIEW_TTL_SECONDS,
        }),
      }),
    );
  }

  /** Sends a conditional put or update; a failed condition becomes `refusal(oldItem)`. */
  async #conditional(
    refusal: (old: Record<string, unknown>) => ViewSaved,
    send: () => Promise<unknown>,
  ): Promise<ViewSaved> {
    try {
      await send();
      return SAVED;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return refusal(error.Item ? unmarshall(error.Item) : {});
      }
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
      views: Items.flatMap((item) => toView(item) ?? []),
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
  async saveProgress(
    view: RequestView,
    previousLastSeq: number,
    subscriptionVersion = 0,
  ): Promise<ViewSaved> {
    const message = view.progressMessage;
    const version = versionCondition(subscriptionVersion);
    const update = new UpdateItemCommand({
      TableName: this.#tableName(),
      Key: marshall({ requestKey: view.requestKey }),
      UpdateExpression:
        message === undefined
          ? 'SET lastSeq = :seq, progress = :progress REMOVE progressMessage'
          : 'SET lastSeq = :seq, progress = :progress, progressMessage = :message',
      ConditionExpression: `lastSeq = :previous AND ${version.expression}`,
      ExpressionAttributeValues: marshall({
        ':seq': view.lastSeq,
        ':progress': view.progress,
        ':previous': previousLastSeq,
        ...(message !== undefined && { ':message': message }),
        ...version.values,
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return this.#conditional(
      (old) => refusalOfProgress(old, previousLastSeq),
      () => this.#client.send(update),
    );
  }
}

const SAVED: ViewSaved = { kind: 'saved' };
const STALE: ViewSaved = { kind: 'stale' };

/** The condition that the item is at `version` of its subscriptions (no attribute: 0). */
function versionCondition(version: number): {
  expression: string;
  values: Record<string, number>;
} {
  return version === 0
    ? { expression: 'attribute_not_exists(subscriptionVersion)', values: {} }
    : { expression: 'subscriptionVersion = :version', values: { ':version': version } };
}

/** Why a put was refused: a view as new or newer is stored, else the subscriptions changed. */
function refusalOfSave(old: Record<string, unknown>, lastSeq: number): ViewSaved {
  if (typeof old.lastSeq === 'number' && old.lastSeq >= lastSeq) return STALE;
  return resubscribed(old);
}

/** Why a progress update was refused: the view is elsewhere than `previousLastSeq`, else the subscriptions changed. */
function refusalOfProgress(old: Record<string, unknown>, previousLastSeq: number): ViewSaved {
  return old.lastSeq === previousLastSeq ? resubscribed(old) : STALE;
}

function resubscribed(old: Record<string, unknown>): ViewSaved {
  const version = typeof old.subscriptionVersion === 'number' ? old.subscriptionVersion : 0;
  return { kind: 'resubscribed', subscriptionVersion: version };
}

/** The view an item holds; none for an item that only carries a subscription version. */
function toView(item: Parameters<typeof unmarshall>[0]): RequestView | undefined {
  const {
    tenantStatus: _status,
    deadLetteredKey: _key,
    subscriptionVersion: _version,
    ...view
  } = unmarshall(item);
  return typeof view.lastSeq === 'number' ? (view as RequestView) : undefined;
}
