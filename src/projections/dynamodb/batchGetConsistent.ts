import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';

/** BatchGetItem takes at most this many keys a call. */
const MAX_KEYS_PER_CALL = 100;
/** Rounds of UnprocessedKeys retried before giving up (about 6 s of backoff in all). */
const MAX_ROUNDS = 8;

type Item = Record<string, AttributeValue>;

/** What {@link batchGetConsistent} reads: keys of one table, and which attributes of each. */
export interface ConsistentBatchGet {
  readonly tableName: string;
  readonly keys: readonly Item[];
  /** The attributes to return (names, escaped for you). */
  readonly attributes: readonly string[];
}

/**
 * Reads `keys` from one table with strongly consistent BatchGetItem calls
 * (100 keys a call), retrying the UnprocessedKeys DynamoDB hands back under
 * load with exponential backoff. Returns the items found, in no order;
 * a missing key is simply absent.
 */
export async function batchGetConsistent(
  client: DynamoDBClient,
  read: ConsistentBatchGet,
): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < read.keys.length; start += MAX_KEYS_PER_CALL) {
    const keys = read.keys.slice(start, start + MAX_KEYS_PER_CALL);
    found.push(...(await getAll(client, read.tableName, request(keys, read.attributes))));
  }
  return found;
}

function request(keys: readonly Item[], attributes: readonly string[]): KeysAndAttributes {
  const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
  return {
    Keys: [...keys],
    ConsistentRead: true,
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
  };
}

async function getAll(
  client: DynamoDBClient,
  tableName: string,
  first: KeysAndAttributes,
): Promise<Item[]> {
  const found: Item[] = [];
  let pending: KeysAndAttributes | undefined = first;
  for (let round = 0; pending?.Keys?.length; round++) {
    if (round === MAX_ROUNDS) {
      throw new Error(
        `BatchGetItem on ${tableName} left ${pending.Keys.length} keys unprocessed after ${MAX_ROUNDS} rounds: the table is throttled; try again shortly`,
      );
    }
    if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
    const output: BatchGetItemCommandOutput = await client.send(
      new BatchGetItemCommand({ RequestItems: { [tableName]: pending } }),
    );
    found.push(...(output.Responses?.[tableName] ?? []));
    pending = output.UnprocessedKeys?.[tableName];
  }
  return found;
}
