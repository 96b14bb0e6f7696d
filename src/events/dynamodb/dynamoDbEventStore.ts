import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { EventStoreError, EventStoreUnavailableError, VersionConflictError } from '../errors';
import type { NewEvent, StoredEvent } from '../event';
import { type EventItem, fromEventItem, prepareAppend } from '../eventItem';
import type { EventStore, ReadOptions } from '../eventStore';

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
}

const NOT_EXISTS = 'attribute_not_exists(requestKey)';

/**
 * The event log on DynamoDB: one item per event, partition key `requestKey`,
 * sort key `seq`. A single event is one conditional `PutItem`; several are
 * one `TransactWriteItems` (all or nothing). Both are conditional on the
 * target `seq` not existing, so two writers can never both succeed.
 *
 * @example
 * const store = new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: 'streamer-dev-Requests' });
 * const version = await store.append(requestKey('acme', 'r1'), 0, [accepted]);
 */
export class DynamoDbEventStore implements EventStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;
  readonly #pageSize: number | undefined;

  constructor(options: DynamoDbEventStoreOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
    this.#pageSize = options.pageSize;
  }

  async append(
    requestKey: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<number> {
    const items = prepareAppend(requestKey, expectedVersion, events);
    const TableName = this.#tableName();
    try {
      if (items.length === 1) {
        await this.#client.send(
          new PutItemCommand({
            TableName,
            Item: marshall(items[0] as EventItem),
            ConditionExpression: NOT_EXISTS,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
      } else {
        await this.#client.send(
          new TransactWriteItemsCommand({
            TransactItems: items.map((item) => ({
              Put: {
                TableName,
                Item: marshall(item),
                ConditionExpression: NOT_EXISTS,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            })),
          }),
        );
      }
    } catch (error) {
      throw await this.#translateAppendError(error, requestKey, expectedVersion);
    }
    return expectedVersion + items.length;
  }

  async read(requestKey: string, options: ReadOptions = {}): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#send(
        new QueryCommand({
          TableName: this.#tableName(),
          KeyConditionExpression: 'requestKey = :id AND seq >= :from',
          ExpressionAttributeValues: marshall({ ':id': requestKey, ':from': options.fromSeq ?? 1 }),
          ConsistentRead: true,
          ...(this.#pageSize !== undefined && { Limit: this.#pageSize }),
          ...(startKey && { ExclusiveStartKey: marshall(startKey) }),
        }),
      );
      for (const item of page.Items ?? []) events.push(fromEventItem(unmarshall(item)));
      startKey = page.LastEvaluatedKey && unmarshall(page.LastEvaluatedKey);
    } while (startKey);
    return events;
  }

  /**
   * A failed condition means `seq` expectedVersion+1 exists. The old item
   * (from `ReturnValuesOnConditionCheckFailure`) proves the conflict; one
   * more consistent read of the newest `seq` tells the caller how far the log
   * has moved, which a retry loop needs. Conflicts are rare, so that read
   * costs nothing on the hot path.
   */
  async #translateAppendError(
    error: unknown,
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
    const seenSeq = oldItem ? Number(unmarshall(oldItem).seq) : expectedVersion + 1;
    const actualVersion = Math.max(seenSeq, await this.#lastSeq(requestKey).catch(() => seenSeq));
    return new VersionConflictError(
      { requestKey, expectedVersion, actualVersion },
      { cause: error },
    );
  }

  async #lastSeq(requestKey: string): Promise<number> {
    const page = await this.#send(
      new QueryCommand({
        TableName: this.#tableName(),
        KeyConditionExpression: 'requestKey = :id',
        ExpressionAttributeValues: marshall({ ':id': requestKey }),
        ProjectionExpression: 'seq',
        ConsistentRead: true,
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = page.Items?.[0];
    return item ? Number(unmarshall(item).seq) : 0;
  }

  async #send(command: QueryCommand) {
    try {
      return await this.#client.send(command);
    } catch (error) {
      throw new EventStoreUnavailableError(
        `Reading the event log failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}
