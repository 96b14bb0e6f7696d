import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts DynamoDB calls made in this process, by wrapping `send` on the
 * prototype every AWS SDK v3 client shares (the smithy `Client` that
 * `DynamoDBClient` extends). `DynamoDBDocumentClient` sends through the same
 * method, so the stores built on lib-dynamodb are counted too. Counting
 * happens on the caller's side, before the request leaves: a write that
 * fails its condition still counts (it cost DynamoDB a write). Every
 * DynamoDB call is also made to return its consumed capacity (DynamoDB
 * Local reports it as AWS would, global secondary indexes included), which
 * the cost figures price.
 */
export interface DynamoCallCounts {
  /** Write requests (PutItem, UpdateItem, DeleteItem, TransactWriteItems, BatchWriteItem, and the document client's twins). */
  readonly writeCalls: number;
  /** Items written: a transaction or a batch counts each of its items. */
  readonly itemsWritten: number;
  /** Read requests (GetItem, Query, Scan, BatchGetItem, and twins). */
  readonly readCalls: number;
  /** Items written per table, by the table name's last `-` segment (`Requests`, `RequestView` …). */
  readonly itemsByTable: Readonly<Record<string, number>>;
  /** Write calls by `<command>:<table>`, e.g. `PutCommand:Connections`. */
  readonly writesByCommand: Readonly<Record<string, number>>;
  /** Read calls by `<command>:<table>`, e.g. `QueryCommand:Requests`. */
  readonly readsByCommand: Readonly<Record<string, number>>;
  /** Every AWS SDK call of the process by command (DynamoDB, Streams, SQS, Management API). */
  readonly sdkCalls: Readonly<Record<string, number>>;
  /**
   * Capacity units DynamoDB reported (`ReturnConsumedCapacity: 'INDEXES'`,
   * asked on every call): `read:<table>`, `write:<table>` and
   * `write:<table>/<index>` for the writes a global secondary index took.
   */
  readonly capacity: Readonly<Record<string, number>>;
  /** Writes refused by their condition (billed in AWS although nothing was written; no units are reported). */
  readonly failedConditionalWrites: number;
}

/** A running counter; `snapshot()` minus an earlier snapshot gives a window's calls. */
export interface WriteCounter {
  snapshot(): DynamoCallCounts;
  /** Puts the original `send` back. */
  uninstall(): void;
}

const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
  'PutCommand',
  'UpdateCommand',
  'DeleteCommand',
  'TransactWriteCommand',
  'BatchWriteCommand',
]);
const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
  'GetCommand',
  'BatchGetCommand',
  'TransactGetCommand',
]);

interface CommandLike {
  readonly input?: {
    ReturnConsumedCapacity?: string;
    readonly TableName?: string;
    readonly TransactItems?: readonly Record<string, { readonly TableName?: string } | undefined>[];
    readonly RequestItems?: Readonly<Record<string, readonly unknown[]>>;
  };
}

function tableOf(name: string | undefined): string {
  return name?.split('-').at(-1) ?? '?';
}

/** One entry of a response's `ConsumedCapacity` (a list for transactions and batches). */
interface Consumed {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Readonly<Record<string, { readonly CapacityUnits?: number }>>;
}

/** Adds a response's consumed capacity to `into`, as `read|write:<table>[/<index>]`. */
function addCapacity(into: Map<string, number>, kind: 'read' | 'write', consumed: unknown): void {
  const entries = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Consumed[];
  const add = (key: string, units: number | undefined) => {
    if (units) into.set(key, (into.get(key) ?? 0) + units);
  };
  for (const entry of entries) {
    const table = tableOf(entry.TableName);
    const indexes = Object.entries(entry.GlobalSecondaryIndexes ?? {});
    const indexUnits = indexes.reduce((sum, [, index]) => sum + (index.CapacityUnits ?? 0), 0);
    add(`${kind}:${table}`, entry.Table?.CapacityUnits ?? (entry.CapacityUnits ?? 0) - indexUnits);
    for (const [name, index] of indexes) add(`${kind}:${table}/${name}`, index.CapacityUnits);
  }
}

const isConditionFailure = (error: unknown) => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
};

/** Installs the counter (once per process: a second install would count twice). */
export function installWriteCounter(): WriteCounter {
  const prototype = Object.getPrototypeOf(DynamoDBClient.prototype) as {
    send: (this: unknown, command: unknown, ...rest: unknown[]) => unknown;
  };
  const original = prototype.send;
  let writeCalls = 0;
  let itemsWritten = 0;
  let readCalls = 0;
  const byTable = new Map<string, number>();
  const byCommand = new Map<string, number>();
  const readsByCommand = new Map<string, number>();
  const sdkCalls = new Map<string, number>();
  const capacity = new Map<string, number>();
  let failedConditionalWrites = 0;
  const wrote = (table: string | undefined, items = 1) => {
    itemsWritten += items;
    byTable.set(tableOf(table), (byTable.get(tableOf(table)) ?? 0) + items);
  };
  prototype.send = function send(this: unknown, command: unknown, ...rest: unknown[]) {
    const name = (command as object | null)?.constructor?.name ?? '';
    sdkCalls.set(name, (sdkCalls.get(name) ?? 0) + 1);
    if (WRITES.has(name)) {
      writeCalls++;
      const input = (command as CommandLike).input ?? {};
      const key = `${name}:${tableOf(input.TableName)}`;
      byCommand.set(key, (byCommand.get(key) ?? 0) + 1);
      if (input.TransactItems) {
        for (const item of input.TransactItems) {
          // A ConditionCheck reads; Put, Update and Delete write.
          for (const [kind, operation] of Object.entries(item))
            if (kind !== 'ConditionCheck') wrote(operation?.TableName);
        }
      } else if (input.RequestItems) {
        for (const [table, requests] of Object.entries(input.RequestItems))
          wrote(table, requests.length);
      } else wrote(input.TableName);
    } else if (READS.has(name)) {
      readCalls++;
      const key = `${name}:${tableOf((command as CommandLike).input?.TableName)}`;
      readsByCommand.set(key, (readsByCommand.get(key) ?? 0) + 1);
    }
    const kind = WRITES.has(name) ? 'write' : READS.has(name) ? 'read' : undefined;
    if (!kind) return original.call(this, command, ...rest);
    const input = (command as CommandLike).input;
    if (input && input.ReturnConsumedCapacity === undefined)
      input.ReturnConsumedCapacity = 'INDEXES';
    return (original.call(this, command, ...rest) as Promise<{ ConsumedCapacity?: unknown }>).then(
      (output) => {
        addCapacity(capacity, kind, output?.ConsumedCapacity);
        return output;
      },
      (error: unknown) => {
        if (isConditionFailure(error)) failedConditionalWrites++;
        throw error;
      },
    );
  };
  return {
    snapshot: () => ({
      writeCalls,
      itemsWritten,
      readCalls,
      itemsByTable: Object.fromEntries(byTable),
      writesByCommand: Object.fromEntries(byCommand),
      readsByCommand: Object.fromEntries(readsByCommand),
      sdkCalls: Object.fromEntries(sdkCalls),
      capacity: Object.fromEntries(capacity),
      failedConditionalWrites,
    }),
    uninstall() {
      prototype.send = original;
    },
  };
}

/** `after − before`, per field. */
export function countsBetween(before: DynamoCallCounts, after: DynamoCallCounts): DynamoCallCounts {
  const delta = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
    const out: Record<string, number> = {};
    for (const [key, count] of Object.entries(b)) {
      const grown = count - (a[key] ?? 0);
      if (grown > 0) out[key] = grown;
    }
    return out;
  };
  return {
    writesByCommand: delta(before.writesByCommand, after.writesByCommand),
    readsByCommand: delta(before.readsByCommand, after.readsByCommand),
    sdkCalls: delta(before.sdkCalls, after.sdkCalls),
    itemsByTable: delta(before.itemsByTable, after.itemsByTable),
    writeCalls: after.writeCalls - before.writeCalls,
    itemsWritten: after.itemsWritten - before.itemsWritten,
    readCalls: after.readCalls - before.readCalls,
    capacity: delta(before.capacity, after.capacity),
    failedConditionalWrites: after.failedConditionalWrites - before.failedConditionalWrites,
  };
}
