import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CircuitState, CircuitStore, StoredCircuit } from '../../engine/circuit';
import { FlowControlStoreError } from '../errors';

/** Options of {@link DynamoDbCircuitStore}. */
export interface DynamoDbCircuitStoreOptions {
  readonly client: DynamoDBClient;
  /** The flow-control table (`flowControlTable` of `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
}

/** A circuit idle this long is forgotten by DynamoDB's TTL (it starts closed again). */
const CIRCUIT_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Dependency circuits on DynamoDB: one item per circuit
 * (`pk = circuit#<tenant>#<dependency>`, `sk = #`) with the state and a
 * version; reads are strongly consistent and each write is a `PutItem`
 * conditional on the version read, so concurrent processors move a
 * circuit one at a time.
 *
 * @example
 * const circuits = new DynamoDbCircuitStore({ client, tableName: 'streamer-dev-FlowControl' });
 */
export class DynamoDbCircuitStore implements CircuitStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;

  constructor(options: DynamoDbCircuitStoreOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
  }

  async read(key: string): Promise<StoredCircuit | undefined> {
    try {
      const result = await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName(),
          Key: marshall({ pk: circuitPk(key), sk: '#' }),
          ConsistentRead: true,
        }),
      );
      if (!result.Item) return undefined;
      const item = unmarshall(result.Item) as { state: CircuitState; version: number };
      return { state: item.state, version: Number(item.version) };
    } catch (error) {
      throw new FlowControlStoreError(`read circuit ${key}`, error);
    }
  }

  async write(
    key: string,
    state: CircuitState,
    expectedVersion: number,
  ): Promise<'written' | 'conflict'> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName(),
          Item: marshall({
            pk: circuitPk(key),
            sk: '#',
            state,
            version: expectedVersion + 1,
            ttl: Math.ceil(Date.now() / 1000) + CIRCUIT_TTL_SECONDS,
          }),
          ConditionExpression:
            expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion !== 0 && {
            ExpressionAttributeValues: marshall({ ':expected': expectedVersion }),
          }),
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'conflict';
      throw new FlowControlStoreError(`write circuit ${key}`, error);
    }
  }
}

function circuitPk(key: string): string {
  return `circuit#${key}`;
}
