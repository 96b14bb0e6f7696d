import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  CONNECTION_TTL_SECONDS,
  type ConnectionRecord,
  type ConnectionStore,
} from '../connectionStore';
import { documentClient, resolveTableName, type TableNameSource } from './documentClient';

/**
 * Connection records in the connections table (DESIGN §3): one item per
 * connection, GSIs by user and tenant, TTL 24 h.
 *
 * @example
 * const connections = new DynamoDbConnectionStore({ client, tableName: names.connections });
 */
export class DynamoDbConnectionStore implements ConnectionStore {
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: TableNameSource;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: TableNameSource }) {
    this.#documents = documentClient(options.client);
    this.#tableName = options.tableName;
  }

  async put(record: ConnectionRecord): Promise<void> {
    await this.#documents.send(
      new PutCommand({ TableName: resolveTableName(this.#tableName), Item: { ...record } }),
    );
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const { Item } = await this.#documents.send(
      new GetCommand({
        TableName: resolveTableName(this.#tableName),
        Key: { connectionId },
        ConsistentRead: true,
      }),
    );
    return Item as ConnectionRecord | undefined;
  }

  async delete(connectionId: string): Promise<void> {
    await this.#documents.send(
      new DeleteCommand({ TableName: resolveTableName(this.#tableName), Key: { connectionId } }),
    );
  }

  async touch(connectionId: string, at: number): Promise<void> {
    try {
      await this.#documents.send(
        new UpdateCommand({
          TableName: resolveTableName(this.#tableName),
          Key: { connectionId },
          UpdateExpression: 'SET lastPing = :at, #ttl = :ttl',
          // Never resurrect a record that disconnect (or a 410) already removed.
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':at': at,
            ':ttl': Math.floor(at / 1000) + CONNECTION_TTL_SECONDS,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
