import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { FlowControlStoreError } from '../errors';
import type { RateClaim, RateWindowStore } from '../rateLimiter';

/** Options of {@link DynamoDbRateWindows}. */
export interface DynamoDbRateWindowsOptions {
  readonly client: DynamoDBClient;
  /** The rate limits table (`rateLimitsTable` of `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
}

/**
 * Rate counters on DynamoDB: one item per key and window (`pk`, `window`),
 * claimed with `ADD used :want` conditional on `used <= limit - want`; a
 * refused claim reads the count from the failed condition and claims what
 * is left, so a window fills exactly to its limit and never past it.
 * DynamoDB's TTL removes old windows.
 *
 * @example
 * const store = new DynamoDbRateWindows({ client, tableName: 'streamer-prod-RateLimits' });
 */
export class DynamoDbRateWindows implements RateWindowStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;

  constructor(options: DynamoDbRateWindowsOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
  }

  async claim(claim: RateClaim): Promise<{ granted: number; used: number }> {
    let want = claim.want;
    try {
      for (let tries = 0; tries < 3 && want > 0; tries++) {
        const added = await this.#add(claim, want);
        if (added.ok) return { granted: want, used: added.used };
        want = Math.min(want, claim.limit - added.used);
        if (want <= 0) return { granted: 0, used: added.used };
      }
      return { granted: 0, used: claim.limit };
    } catch (error) {
      throw new FlowControlStoreError(`claim ${want} of ${claim.key}`, error);
    }
  }

  async #add(claim: RateClaim, want: number): Promise<{ ok: boolean; used: number }> {
    try {
      const result = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName(),
          Key: marshall({ pk: claim.key, window: claim.window }),
          UpdateExpression: 'ADD used :want SET #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(used) OR used <= :most',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: marshall({
            ':want': want,
            ':most': claim.limit - want,
            ':ttl': Math.ceil(claim.expiresAt / 1000),
          }),
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, used: Number(unmarshall(result.Attributes ?? {}).used ?? want) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { ok: false, used: Number(unmarshall(error.Item ?? {}).used ?? claim.limit) };
    }
  }
}
