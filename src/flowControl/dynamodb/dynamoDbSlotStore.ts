import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  SlotClaim,
  SlotRelease,
  SlotReleased,
  SlotStore,
  SlotVerdict,
} from '../../engine/slotStore';
import { FlowControlStoreError } from '../errors';

/** Options of {@link DynamoDbSlotStore}. */
export interface DynamoDbSlotStoreOptions {
  readonly client: DynamoDBClient;
  /** The flow-control table (`flowControlTable` of `src/tables/definitions.ts`). */
  readonly tableName: string | (() => string);
}

interface Holding {
  readonly run: string;
  readonly v: number;
  readonly exp: number;
}

/** The head item of a key: who holds its slots, and how many wait. */
interface Head {
  readonly holders: Readonly<Record<string, Holding>>;
  readonly queued: number;
}

interface WaiterItem {
  readonly sk: string;
  readonly holder: string;
  readonly since: number;
  readonly exp: number;
}

const HEAD = '#';
const WAITER = 'w#';
/** Waiter items outlive their place in line this long before DynamoDB's TTL removes them (reaping comes first). */
const WAITER_TTL_SECONDS = 7 * 24 * 3600;
/** The holder holds already (taking it again), or a slot is free. */
const HOLDING_FITS = 'attribute_exists(holders.#h) OR size(holders) < :limit';
/** As {@link HOLDING_FITS}, and nobody waits in line (who would be first). */
const FITS_AND_NONE_WAITS =
  'attribute_exists(holders.#h) OR (size(holders) < :limit AND (attribute_not_exists(queued) OR queued <= :zero))';

/**
 * Concurrency slots on DynamoDB. Per key, one *head* item holds a map of
 * the holders (request key → run, log version, expiry) and the count of
 * waiters; each waiter is an item sorted by its place in line. Taking a
 * slot is one conditional `UpdateItem` — `size(holders) < :limit`, and no
 * one waiting — so no two processors can overfill a key. When someone
 * waits, a claim reads the line and may take a slot only if fewer live
 * waiters are ahead of it than slots are free; joining or leaving the line
 * is a transaction with the waiter count. Holdings and places lapse at
 * their expiry (a crashed run frees its slot); whoever sees a lapsed one
 * removes it, conditionally.
 *
 * @example
 * const slots = new DynamoDbSlotStore({ client, tableName: 'streamer-dev-FlowControl' });
 */
export class DynamoDbSlotStore implements SlotStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: () => string;

  constructor(options: DynamoDbSlotStoreOptions) {
    this.#client = options.client;
    const { tableName } = options;
    this.#tableName = typeof tableName === 'function' ? tableName : () => tableName;
  }

  async acquire(claim: SlotClaim): Promise<SlotVerdict> {
    try {
      const head = await this.#takeIfNoneWaits(claim);
      if (head === 'granted') return { kind: 'granted' };
      return await this.#takeInTurn(claim, head);
    } catch (error) {
      throw new FlowControlStoreError(`acquire a slot of ${claim.key}`, error);
    }
  }

  async release(release: SlotRelease): Promise<SlotReleased> {
    try {
      if (release.leaveOrder !== undefined) await this.#leave(release.key, release.leaveOrder);
      const head = await this.#giveBack(release);
      if (!head) return { wake: [] };
      const free = release.limit - liveCount(head, release.now);
      if (free <= 0 || head.queued <= 0) return { wake: [] };
      return { wake: await this.#heads(release.key, head.queued, free, release.now) };
    } catch (error) {
      throw new FlowControlStoreError(`release a slot of ${release.key}`, error);
    }
  }

  /** The fast path: take a free slot when nobody waits (creating the head on first use). */
  async #takeIfNoneWaits(claim: SlotClaim): Promise<Head | 'granted'> {
    for (let tries = 0; tries < 2; tries++) {
      const failed = await this.#conditionalUpdate({
        Key: this.#key(claim.key, HEAD),
        UpdateExpression: 'SET holders.#h = :holding',
        ConditionExpression: FITS_AND_NONE_WAITS,
        ExpressionAttributeNames: { '#h': claim.holder },
        ExpressionAttributeValues: marshall({
          ':holding': holdingOf(claim),
          ':limit': claim.limit,
          ':zero': 0,
        }),
      });
      if (!failed) return 'granted';
      if (failed.item) return headOf(failed.item);
      await this.#createHead(claim.key);
    }
    throw new Error(`the head item of ${claim.key} could not be created`);
  }

  /** Someone waits (or all slots are taken): read the line, take a slot only in turn, else wait in it. */
  async #takeInTurn(claim: SlotClaim, head: Head): Promise<SlotVerdict> {
    await this.#reapHoldings(claim.key, head, claim.now);
    const free = claim.limit - liveCount(head, claim.now);
    const line = await this.#lineUpTo(claim.key, claim.order);
    const own = line.find((waiter) => waiter.sk === WAITER + claim.order);
    const ahead = line.filter((waiter) => waiter !== own && waiter.exp > claim.now);
    await this.#reapWaiters(claim.key, line, claim.now);
    if (free > 0 && ahead.length < free && (await this.#takeTurn(claim, own))) {
      return own ? { kind: 'granted', waitedSince: own.since } : { kind: 'granted' };
    }
    const since = own?.since ?? claim.now;
    await (own ? this.#stayInLine(claim) : this.#joinLine(claim));
    return { kind: 'queued', position: ahead.length, since };
  }

  /** Takes a slot (leaving the line, when in it); false when the slots filled up meanwhile. */
  async #takeTurn(claim: SlotClaim, own: WaiterItem | undefined): Promise<boolean> {
    const names = { '#h': claim.holder };
    const values = { ':holding': holdingOf(claim), ':limit': claim.limit };
    if (!own) {
      const failed = await this.#conditionalUpdate({
        Key: this.#key(claim.key, HEAD),
        UpdateExpression: 'SET holders.#h = :holding',
        ConditionExpression: HOLDING_FITS,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      });
      return !failed;
    }
    return this.#transact([
      {
        Update: {
          TableName: this.#tableName(),
          Key: this.#key(claim.key, HEAD),
          UpdateExpression: 'SET holders.#h = :holding ADD queued :minusOne',
          ConditionExpression: HOLDING_FITS,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: marshall({ ...values, ':minusOne': -1 }),
        },
      },
      {
        Delete: {
          TableName: this.#tableName(),
          Key: this.#key(claim.key, own.sk),
          ConditionExpression: 'attribute_exists(sk)',
        },
      },
    ]);
  }

  async #joinLine(claim: SlotClaim): Promise<void> {
    const waiter = {
      ...this.#keyValues(claim.key, WAITER + claim.order),
      holder: claim.holder,
      since: claim.now,
      exp: claim.waitUntil,
      ttl: Math.ceil(claim.waitUntil / 1000) + WAITER_TTL_SECONDS,
    };
    await this.#transact([
      {
        Put: {
          TableName: this.#tableName(),
          Item: marshall(waiter),
          ConditionExpression: 'attribute_not_exists(sk)',
        },
      },
      {
        Update: {
          TableName: this.#tableName(),
          Key: this.#key(claim.key, HEAD),
          UpdateExpression: 'ADD queued :one',
          ExpressionAttributeValues: marshall({ ':one': 1 }),
        },
      },
    ]);
  }

  async #stayInLine(claim: SlotClaim): Promise<void> {
    await this.#conditionalUpdate({
      Key: this.#key(claim.key, WAITER + claim.order),
      UpdateExpression: 'SET exp = :exp, #ttl = :ttl',
      ConditionExpression: 'attribute_exists(sk)',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: marshall({
        ':exp': claim.waitUntil,
        ':ttl': Math.ceil(claim.waitUntil / 1000) + WAITER_TTL_SECONDS,
      }),
    });
  }

  /** Leaves the line (no-op when not in it). */
  async #leave(key: string, order: string): Promise<void> {
    await this.#transact([
      {
        Delete: {
          TableName: this.#tableName(),
          Key: this.#key(key, WAITER + order),
          ConditionExpression: 'attribute_exists(sk)',
        },
      },
      {
        Update: {
          TableName: this.#tableName(),
          Key: this.#key(key, HEAD),
          UpdateExpression: 'ADD queued :minusOne',
          ExpressionAttributeValues: marshall({ ':minusOne': -1 }),
        },
      },
    ]);
  }

  /**
   * Removes the holding if it is the releasing run's own, or was taken at an
   * older log version; returns the head either way (undefined: no head).
   */
  async #giveBack(release: SlotRelease): Promise<Head | undefined> {
    const input = {
      TableName: this.#tableName(),
      Key: this.#key(release.key, HEAD),
      UpdateExpression: 'REMOVE holders.#h',
      ConditionExpression: 'attribute_exists(pk) AND (holders.#h.run = :run OR holders.#h.v < :v)',
      ExpressionAttributeNames: { '#h': release.holder },
      ExpressionAttributeValues: marshall({ ':run': release.run, ':v': release.version }),
      ReturnValues: 'ALL_NEW' as const,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    try {
      const result = await this.#client.send(new UpdateItemCommand(input));
      return result.Attributes ? headOf(result.Attributes) : undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? headOf(error.Item) : undefined;
    }
  }

  /** The first `free` live waiters' holders; repairs a waiter count left over an empty line. */
  async #heads(key: string, queued: number, free: number, now: number): Promise<string[]> {
    const page = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :w)',
        ExpressionAttributeValues: marshall({ ':pk': slotPk(key), ':w': WAITER }),
        ConsistentRead: true,
        Limit: free + 20,
      }),
    );
    const items = (page.Items ?? []).map((item) => unmarshall(item) as WaiterItem);
    if (items.length === 0 && !page.LastEvaluatedKey) await this.#resetCount(key, queued);
    return items
      .filter((waiter) => waiter.exp > now)
      .slice(0, free)
      .map((waiter) => waiter.holder);
  }

  /** The line from its start up to and including `order`. */
  async #lineUpTo(key: string, order: string): Promise<WaiterItem[]> {
    const items: WaiterItem[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName(),
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: marshall({
            ':pk': slotPk(key),
            ':from': WAITER,
            ':to': WAITER + order,
          }),
          ConsistentRead: true,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item) as WaiterItem);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Removes holdings that lapsed (a crashed run's), each only if unchanged since read. */
  async #reapHoldings(key: string, head: Head, now: number): Promise<void> {
    for (const [holder, holding] of Object.entries(head.holders)) {
      if (holding.exp > now) continue;
      await this.#conditionalUpdate({
        Key: this.#key(key, HEAD),
        UpdateExpression: 'REMOVE holders.#h',
        ConditionExpression: 'holders.#h.exp = :exp',
        ExpressionAttributeNames: { '#h': holder },
        ExpressionAttributeValues: marshall({ ':exp': holding.exp }),
      });
    }
  }

  /** Removes places in line that lapsed (a waiter that stopped looking), with the count. */
  async #reapWaiters(key: string, line: readonly WaiterItem[], now: number): Promise<void> {
    for (const waiter of line) {
      if (waiter.exp > now) continue;
      await this.#transact([
        {
          Delete: {
            TableName: this.#tableName(),
            Key: this.#key(key, waiter.sk),
            ConditionExpression: 'exp = :exp',
            ExpressionAttributeValues: marshall({ ':exp': waiter.exp }),
          },
        },
        {
          Update: {
            TableName: this.#tableName(),
            Key: this.#key(key, HEAD),
            UpdateExpression: 'ADD queued :minusOne',
            ExpressionAttributeValues: marshall({ ':minusOne': -1 }),
          },
        },
      ]);
    }
  }

  async #resetCount(key: string, seen: number): Promise<void> {
    await this.#conditionalUpdate({
      Key: this.#key(key, HEAD),
      UpdateExpression: 'SET queued = :zero',
      ConditionExpression: 'queued = :seen',
      ExpressionAttributeValues: marshall({ ':zero': 0, ':seen': seen }),
    });
  }

  async #createHead(key: string): Promise<void> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName(),
          Item: marshall({ ...this.#keyValues(key, HEAD), holders: {}, queued: 0 }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** An update whose failed condition is an answer: undefined when it applied, else the old item. */
  async #conditionalUpdate(
    input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>,
  ): Promise<{ item?: Record<string, AttributeValue> } | undefined> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          ...input,
          TableName: this.#tableName(),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? { item: error.Item } : {};
    }
  }

  /** A transaction whose failed condition is an answer (false). */
  async #transact(
    items: NonNullable<ConstructorParameters<typeof TransactWriteItemsCommand>[0]['TransactItems']>,
  ): Promise<boolean> {
    try {
      await this.#client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const refused =
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some(
          (reason) => reason.Code === 'ConditionalCheckFailed',
        );
      if (!refused) throw error;
      return false;
    }
  }

  #key(key: string, sk: string): Record<string, AttributeValue> {
    return marshall(this.#keyValues(key, sk));
  }

  #keyValues(key: string, sk: string): { pk: string; sk: string } {
    return { pk: slotPk(key), sk };
  }
}

function slotPk(key: string): string {
  return `slot#${key}`;
}

function holdingOf(claim: SlotClaim): Holding {
  return { run: claim.run, v: claim.version, exp: claim.holdUntil };
}

function headOf(item: Record<string, AttributeValue>): Head {
  const plain = unmarshall(item) as { holders?: Record<string, Holding>; queued?: number };
  return { holders: plain.holders ?? {}, queued: Number(plain.queued ?? 0) };
}

function liveCount(head: Head, now: number): number {
  return Object.values(head.holders).filter((holding) => holding.exp > now).length;
}
