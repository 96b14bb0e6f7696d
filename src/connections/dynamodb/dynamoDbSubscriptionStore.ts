import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { SUBSCRIPTION_INDEXES } from '../../tables/definitions';
import type { SubscriptionRecord, SubscriptionStore } from '../subscriptionStore';
import { documentClient, resolveTableName, type TableNameSource } from './documentClient';

const BATCH_WRITE_LIMIT = 25;

/**
 * Subscriptions in the subscriptions table: keyed by request (the
 * projector's fan-out is one query), with a GSI by connection for cleanup.
 *
 * @example
 * const subscriptions = new DynamoDbSubscriptionStore({ client, tableName: names.subscriptions });
 */
export class DynamoDbSubscriptionStore implements SubscriptionStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: TableNameSource;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: TableNameSource }) {
    this.#documents = documentClient(options.client);
    this.#tableName = options.tableName;
  }

  async put(record: SubscriptionRecord): Promise<void> {
    await this.#documents.send(
      new PutCommand({ TableName: resolveTableName(this.#tableName), Item: { ...record } }),
    );
  }

  async delete(requestKey: string, connectionId: string): Promise<boolean> {
    const { Attributes } = await this.#documents.send(
      new DeleteCommand({
        TableName: resolveTableName(this.#tableName),
        Key: { requestKey, connectionId },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes !== undefined;
  }

  async listByRequest(requestKey: string): Promise<SubscriptionRecord[]> {
    const records: SubscriptionRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#documents.send(
        new QueryCommand({
          TableName: resolveTableName(this.#tableName),
          KeyConditionExpression: 'requestKey = :requestKey',
          ExpressionAttributeValues: { ':requestKey': requestKey },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...((page.Items ?? []) as SubscriptionRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  /**
   * Deletes in batches of 25, resending what DynamoDB hands back unprocessed
   * up to five times. Returns how many were deleted; any left over expire
   * with their 24-hour TTL (the projector also skips gone connections).
   */
  async deleteByConnection(connectionId: string): Promise<number> {
    const tableName = resolveTableName(this.#tableName);
    const keys: { requestKey: string; connectionId: string }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#documents.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: SUBSCRIPTION_INDEXES.byConnection,
          KeyConditionExpression: 'connectionId = :connectionId',
          ExpressionAttributeValues: { ':connectionId': connectionId },
          ProjectionExpression: 'requestKey, connectionId',
          ExclusiveStartKey: startKey,
        }),
      );
      keys.push(...((page.Items ?? []) as { requestKey: string; connectionId: string }[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    let leftOver = 0;
    for (let i = 0; i < keys.length; i += BATCH_WRITE_LIMIT) {
      let requests: Record<string, unknown>[] | undefined = keys
        .slice(i, i + BATCH_WRITE_LIMIT)
        .map((key) => ({ DeleteRequest: { Key: key } }));
      // BatchWrite may hand back unprocessed items under load; resend them.
      for (let attempt = 0; requests && requests.length > 0 && attempt < 5; attempt++) {
        const result = await this.#documents.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
        );
        requests = result.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
      }
      leftOver += requests?.length ?? 0;
    }
    return keys.length - leftOver;
  }
}
