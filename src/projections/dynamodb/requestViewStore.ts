import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { RequestView } from '../requestView';

/** Options for {@link DynamoDbRequestViewStore}. */
export interface DynamoDbRequestViewStoreOptions {
  readonly client: DynamoDBClient;
  /** The request view table (`requestViewTable` in `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
}

/**
 * The request view table. A save only lands when it is newer than what is
 * stored (`lastSeq` grows), so replayed or reordered stream batches can never
 * move a view backwards. The item carries `tenantStatus` for the
 * `byTenantStatus` index. A pass that folded only progress updates writes
 * just those fields ({@link DynamoDbRequestViewStore.saveProgress}).
 */
export class DynamoDbRequestViewStore {
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
    if (!Item) return undefined;
    const { tenantStatus: _, ...view } = unmarshall(Item);
    return view as RequestView;
  }

  /** Stores `view` unless a view at the same or a later `lastSeq` is there; returns whether it landed. */
  async save(view: RequestView): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName(),
          Item: marshall(
            { ...view, tenantStatus: `${view.tenantId}#${view.status}` },
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
