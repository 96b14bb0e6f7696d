import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type CommitItem, eventsOfItem, prepareCommit, spanOf } from '../commitItem';
import { EventStoreError, EventStoreUnavailableError, VersionConflictError } from '../errors';
import type { NewEvent, StoredEvent } from '../event';
import type { EventStore, ReadOptions } from '../eventStore';
import { KnownEnds } from './knownEnds';

/** Options for {@link DynamoDbEventStore}. */
export interface DynamoDbEventStoreOptions {
  readonly client: DynamoDBClient;
  /** The requests table (see `requestsTable` in `src/tables/definitions.ts`); a function is read on each call. */
  readonly tableName: string | (() => string);
  /**
   * Items per query page. DynamoDB pages at 1 MB anyway; a smaller page
   * is only useful to exercise pagination in tests.
   */
  readonly pageSize?: number;
  /** Requests whose last commit this store remembers (default 10,000): see {@link DynamoDbEventStore}. */
  readonly rememberedRequests?: number;
}

const NOT_EXISTS = 'attribute_not_exists(requestKey)';

/**
 * The event log on DynamoDB: one item per commit (an append's events
 * together), partition key `requestKey`, sort key `seq` = the commit's first
 * `seq`, with `lastSeq` where it ends. An append is one conditional
 * `PutItem` of the item at `expectedVersion + 1` (`attribute_not_exists`);
 * only an append too big for one 400 KB item becomes a transaction of
 * consecutive items.
 *
 * Why two writers can never both succeed, nor overlap: the items tile
 * `1 … version`. An append goes ahead only when `expectedVersion` is 0 or
 * the `lastSeq` of an existing item (a fact that never changes once
 * written), and then its put at `expectedVersion + 1` fails exactly when any
 * later item exists, since the next item after an item boundary starts at
 * that boundary + 1. The store knows `expectedVersion` is a boundary when it
 * is the end it last read or wrote for that request (the runner's case, no
 * extra call); otherwise one consistent query for the item at or before it
 * tells — and a version inside another commit, or ahead of the log, is a
 * conflict before anything is written.
 *
 * @example
 * const store = new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: 'streamer-dev-Requests' });
 * const version = await store.append(requestKey('acme', 'r1'), 0, [accepted]);
 */
export class DynamoDbEventStore implements EventStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;
  readonly #pageSize: number | undefined;
  readonly #ends: KnownEnds;

  constructor(options: DynamoDbEventStoreOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
    this.#pageSize = options.pageSize;
    this.#ends = new KnownEnds(options.rememberedRequests ?? 10_000);
  }

  async append(
    requestKey: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<number> {
    const items = prepareCommit(requestKey, expectedVersion, events);
    const TableName = this.#tableName();
    const version = expectedVersion + events.length;
    if (expectedVersion > 0 && !this.#ends.is(TableName, requestKey, expectedVersion)) {
      await this.#checkBoundary(TableName, requestKey, expectedVersion);
    }
    try {
      if (items.length === 1) {
        await this.#client.send(new PutItemCommand(this.#put(TableName, items[0] as CommitItem)));
      } else {
        // Too big for one item: consecutive items, all or nothing.
        await this.#client.send(
          new TransactWriteItemsCommand({
            TransactItems: items.map((item) => ({ Put: this.#put(TableName, item) })),
          }),
        );
      }
    } catch (error) {
      throw await this.#translateAppendError(error, TableName, requestKey, expectedVersion);
    }
    this.#ends.remember(TableName, requestKey, version);
    return version;
  }

  async read(requestKey: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const TableName = this.#tableName();
    const fromSeq = Math.max(1, options.fromSeq ?? 1);
    // A read from inside a commit must start at that commit's item, which the
    // store finds with one more query unless fromSeq follows a known end.
    let after = fromSeq - 1;
    const head: StoredEvent[] = [];
    if (fromSeq > 1 && !this.#ends.is(TableName, requestKey, fromSeq - 1)) {
      const item = await this.#itemAtOrBefore(TableName, requestKey, fromSeq);
      // No item at or before fromSeq: the log was empty a moment ago; read it all.
      after = item?.seq ?? 0;
      if (item) head.push(...eventsOfItem(unmarshall(item.raw)));
    }
    const rest = await this.#query(TableName, requestKey, after + 1);
    const events = [...head, ...rest].filter((event) => event.seq >= fromSeq);
    const last = events.at(-1);
    if (last) this.#ends.remember(TableName, requestKey, last.seq);
    return events;
  }

  async #query(TableName: string, requestKey: string, fromSeq: number): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#send({
        TableName,
        KeyConditionExpression: 'requestKey = :id AND seq >= :from',
        ExpressionAttributeValues: { ':id': { S: requestKey }, ':from': { N: String(fromSeq) } },
        ConsistentRead: true,
        ...(this.#pageSize !== undefined && { Limit: this.#pageSize }),
        ...(startKey && { ExclusiveStartKey: startKey }),
      });
      for (const item of page.Items ?? []) events.push(...eventsOfItem(unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  #put(TableName: string, item: CommitItem) {
    return {
      TableName,
      Item: marshall(item),
      ConditionExpression: NOT_EXISTS,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  /** Throws a conflict unless `version` is the end of a stored item (0 never gets here). */
  async #checkBoundary(TableName: string, requestKey: string, version: number): Promise<void> {
    const item = await this.#itemAtOrBefore(TableName, requestKey, version);
    if (item && item.lastSeq === version) return;
    // Inside another commit (a stale version), or ahead of the log: nothing may be written.
    const actualVersion = await this.#lastSeq(TableName, requestKey);
    throw new VersionConflictError({ requestKey, expectedVersion: version, actualVersion });
  }

  /** The item whose first `seq` is the greatest at or before `seq`, if any. */
  async #itemAtOrBefore(TableName: string, requestKey: string, seq: number) {
    const page = await this.#send({
      TableName,
      KeyConditionExpression: 'requestKey = :id AND seq <= :seq',
      ExpressionAttributeValues: { ':id': { S: requestKey }, ':seq': { N: String(seq) } },
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: 1,
    });
    const raw = page.Items?.[0];
    if (!raw) return undefined;
    return { raw, ...spanOf(numbersOf(raw)) };
  }

  /**
   * A failed condition means an item at `expectedVersion + 1` exists. The old
   * item (from `ReturnValuesOnConditionCheckFailure`) proves the conflict;
   * one more consistent read of the newest item tells the caller how far the
   * log has moved, which a retry loop needs. Conflicts are rare, so that read
   * costs nothing on the hot path.
   */
  async #translateAppendError(
    error: unknown,
    TableName: string,
    requestKey: string,
    expectedVersion: number,
  ): Promise<Error> {
    const conflicted =
      error instanceof ConditionalCheckFailedException ||
      (error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some(
          (reason) => reason.Code === 'ConditionalCheckFailed',
        ));
    if (!conflicted) {
      if (error instanceof EventStoreError) return error;
      return new EventStoreUnavailableError(
        `Appending to request ${requestKey} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const oldItem =
      error instanceof ConditionalCheckFailedException
        ? error.Item
        : (error as TransactionCanceledException).CancellationReasons?.find((reason) => reason.Item)
            ?.Item;
    const seen = oldItem ? spanOf(numbersOf(oldItem)).lastSeq : expectedVersion + 1;
    const actualVersion = Math.max(
      seen,
      await this.#lastSeq(TableName, requestKey).catch(() => seen),
    );
    return new VersionConflictError(
      { requestKey, expectedVersion, actualVersion },
      { cause: error },
    );
  }

  async #lastSeq(TableName: string, requestKey: string): Promise<number> {
    const page = await this.#send({
      TableName,
      KeyConditionExpression: 'requestKey = :id',
      ExpressionAttributeValues: { ':id': { S: requestKey } },
      ProjectionExpression: 'seq, lastSeq',
      ConsistentRead: true,
      ScanIndexForward: false,
      Limit: 1,
    });
    const item = page.Items?.[0];
    return item ? spanOf(numbersOf(item)).lastSeq : 0;
  }

  async #send(input: QueryCommandInput) {
    try {
      return await this.#client.send(new QueryCommand(input));
    } catch (error) {
      throw new EventStoreUnavailableError(
        `Reading the event log failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

/** `seq` and (for commit items) `lastSeq` of a raw item. */
function numbersOf(item: Record<string, AttributeValue>): { seq: number; lastSeq?: number } {
  const seq = Number(item.seq?.N);
  const lastSeq = item.lastSeq?.N;
  return lastSeq === undefined ? { seq } : { seq, lastSeq: Number(lastSeq) };
}
