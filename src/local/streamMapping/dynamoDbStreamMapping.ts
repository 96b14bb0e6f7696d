import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  _Record as SdkRecord,
  Shard,
  ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { DEFAULT_TIMEOUT_MS, invokeLocally, localFunctionArn } from '../lambdaContext';
import { LOCAL_AWS } from '../localAws';
import { backoffDelay, sleepUnlessAborted } from '../pacing';
import {
  type DiscardCondition,
  deliverFailureRecord,
  type StreamFailureDestination,
  type StreamFailureRecord,
} from './failureDestination';
import { toLambdaRecord } from './lambdaStreamRecord';
import { type StreamsReader, streamsReaderFromClient } from './streamsReader';

/** A DynamoDB Streams Lambda handler, exactly the shape AWS invokes. */
export type DynamoDBStreamMappingHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: an `async` handler that returns nothing is a valid Lambda handler
) => Promise<DynamoDBBatchResponse | void>;

/** Which stream to read: a table's latest stream (looked up with `DescribeTable`), or a stream ARN. */
export type StreamSource =
  | { readonly tableName: string; readonly dynamodb: DynamoDBClient }
  | { readonly streamArn: string };

/**
 * Settings of a local DynamoDB Streams event-source mapping. Names and
 * defaults follow Lambda's `EventSourceMapping` (see docs/local-stack.md for
 * the mapping from each option to its CloudFormation property).
 */
export interface DynamoDbStreamMappingOptions {
  /** The function's name; appears in the `Context` and in failure records. */
  readonly functionName: string;
  readonly handler: DynamoDBStreamMappingHandler;
  /** A Streams client pointed at DynamoDB Local, or any {@link StreamsReader}. */
  readonly streams: DynamoDBStreamsClient | StreamsReader;
  readonly source: StreamSource;
  /** `StartingPosition`: replay what the stream retains, or only what arrives after `start()`. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** `BatchSize`: most records per invocation. Default 100. */
  readonly batchSize?: number;
  /** `MaximumBatchingWindowInSeconds`, in ms: how long to gather records before invoking. Default 0 (invoke at once). */
  readonly maximumBatchingWindowMs?: number;
  /** `MaximumRetryAttempts`: retries after the first failed invocation; -1 (default) retries until the record expires. */
  readonly maximumRetryAttempts?: number;
  /** `MaximumRecordAgeInSeconds`: discard records older than this; -1 (default) never. */
  readonly maximumRecordAgeInSeconds?: number;
  /** `BisectBatchOnFunctionError`: split a failed batch in two and retry each half. Default false. */
  readonly bisectBatchOnFunctionError?: boolean;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`: honour a returned `batchItemFailures`. Default false. */
  readonly reportBatchItemFailures?: boolean;
  /** `DestinationConfig.OnFailure`: receives a {@link StreamFailureRecord} for each discarded batch. */
  readonly onFailure?: StreamFailureDestination;
  /** Pause between `GetRecords` calls on an idle shard. Default 50 ms (Lambda: 250 ms). */
  readonly pollIntervalMs?: number;
  /** The function's timeout, which `context.getRemainingTimeInMillis()` counts down from. Default 60 s. */
  readonly functionTimeoutMs?: number;
  /** `awsRegion` on records and the region in the function ARN. Default {@link LOCAL_AWS}'s. */
  readonly region?: string;
  /** Wait before the first retry of a failed batch; doubles per retry up to {@link maxRetryDelayMs}. Default 100 ms. */
  readonly retryDelayMs?: number;
  /** Cap of the retry wait. Default 2 s. */
  readonly maxRetryDelayMs?: number;
  /** How often to look for new shards besides when one ends. Default 1 s. */
  readonly shardDiscoveryIntervalMs?: number;
  /** Problems of the mapping itself (a failed `GetRecords`, a discarded batch without destination). Default: `console.error`. */
  readonly onError?: (error: unknown, context: string) => void;
  /** @internal Clock for record age and the `Context` countdown. */
  readonly now?: () => number;
}

/** A running (or stopped) local event-source mapping. */
export interface DynamoDbStreamMapping {
  readonly functionName: string;
  /** The stream ARN, once `start()` has resolved it. */
  readonly streamArn: string | undefined;
  /**
   * Resolves the stream, positions an iterator on every shard to read and
   * starts polling. Resolves once positioned, so with `LATEST` every record
   * written after `start()` resolves is delivered.
   */
  start(): Promise<void>;
  /** Stops polling, waits for the in-flight batch of every shard, and resolves when nothing is left running. */
  stop(): Promise<void>;
}

interface BufferedRecord {
  readonly record: DynamoDBRecord;
  readonly sequenceNumber: string;
  /** Epoch seconds, from `ApproximateCreationDateTime`. */
  readonly createdAt: number | undefined;
}

interface PendingBatch {
  records: readonly BufferedRecord[];
  /** Failed invocations of these records so far (bisecting does not count). */
  retries: number;
  invocations: number;
}

type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'partial'; readonly index: number };

/** Where a shard's reader stands. */
interface ShardCursor {
  readonly shardId: string;
  readonly streamArn: string;
  /** Where a new iterator starts while nothing has been fetched. */
  position: ShardIteratorType;
  /** Sequence number of the last record fetched: a new iterator starts after it. */
  lastFetched: string | undefined;
  iterator: string | undefined;
  /** The shard is closed and read to its end, or gone. */
  ended: boolean;
  /** Fetched, not yet delivered. */
  readonly buffer: BufferedRecord[];
  /** When the buffer last went from empty to holding records: the batching window counts from there. */
  firstBufferedAt: number;
  /** `GetRecords` failures in a row. */
  failures: number;
}

/**
 * What one `GetRecords` step got: `full` as many records as asked (more may
 * be waiting), `short` fewer or none (or it did not ask), `failed` an error
 * whose backoff has already been slept.
 */
type Fetched = 'full' | 'short' | 'failed';

/**
 * Creates a local stand-in for Lambda's DynamoDB Streams event-source mapping:
 * it polls the real Streams API of DynamoDB Local and invokes `handler` with
 * the very `DynamoDBStreamEvent`s Lambda would pass, one batch in flight per
 * shard, in order, with Lambda's retry, bisect, partial-batch and on-failure
 * behaviour. Several mappings may read one stream; each sees every record.
 *
 * @example
 * const mapping = createDynamoDbStreamMapping({
 *   functionName: 'streamer-processor',
 *   handler: processorHandler,
 *   streams: new DynamoDBStreamsClient({ endpoint, ...LOCAL_AWS }),
 *   source: { tableName: names.requests, dynamodb },
 *   startingPosition: 'TRIM_HORIZON',
 *   maximumRetryAttempts: 3,
 *   bisectBatchOnFunctionError: true,
 *   reportBatchItemFailures: true,
 *   onFailure: { sqs, queueUrl: queues.streamFailures.url },
 * });
 * await mapping.start();
 * // …
 * await mapping.stop();
 */
export function createDynamoDbStreamMapping(
  options: DynamoDbStreamMappingOptions,
): DynamoDbStreamMapping {
  return new LocalDynamoDbStreamMapping(options);
}

class LocalDynamoDbStreamMapping implements DynamoDbStreamMapping {
  readonly functionName: string;
  readonly #options: DynamoDbStreamMappingOptions;
  readonly #reader: StreamsReader;
  readonly #now: () => number;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #abort = new AbortController();
  #streamArn: string | undefined;
  #state: 'new' | 'running' | 'stopped' = 'new';
  /** Shards seen in `DescribeStream`, by id. */
  readonly #known = new Map<string, Shard>();
  /** Shards this mapping has read to the end (or skipped, for `LATEST`). */
  readonly #finished = new Set<string>();
  readonly #workers = new Map<string, Promise<void>>();
  #discovery: Promise<void> = Promise.resolve();
  #discoveryLoop: Promise<void> = Promise.resolve();

  constructor(options: DynamoDbStreamMappingOptions) {
    this.#options = options;
    this.functionName = options.functionName;
    this.#reader =
      options.streams instanceof DynamoDBStreamsClient
        ? streamsReaderFromClient(options.streams)
        : options.streams;
    this.#now = options.now ?? Date.now;
    this.#batchSize = options.batchSize ?? 100;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#onError =
      options.onError ??
      ((error, context) =>
        console.error(`[${options.functionName} stream mapping] ${context}:`, error));
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > 10_000) {
      throw new RangeError(
        `batchSize must be an integer from 1 to 10,000 (Lambda's range), got ${this.#batchSize}`,
      );
    }
  }

  get streamArn(): string | undefined {
    return this.#streamArn;
  }

  get #running(): boolean {
    return this.#state === 'running';
  }

  async start(): Promise<void> {
    if (this.#state !== 'new')
      throw new Error(`Stream mapping ${this.functionName} was already started; create a new one`);
    this.#state = 'running';
    const streamArn = await this.#resolveStreamArn();
    this.#streamArn = streamArn;
    const shards = await this.#describeShards(streamArn);
    const ready: Promise<void>[] = [];
    if (this.#options.startingPosition === 'LATEST') {
      // Closed shards hold only the past; open ones start at their tip.
      for (const shard of shards)
        if (shard.SequenceNumberRange?.EndingSequenceNumber) this.#finished.add(shardIdOf(shard));
    }
    for (const shard of shards) {
      if (!this.#isStartable(shard)) continue;
      ready.push(this.#spawn(shard, this.#options.startingPosition));
    }
    await Promise.all(ready);
    this.#discoveryLoop = this.#runDiscoveryLoop();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#abort.abort();
    await this.#discoveryLoop;
    await this.#discovery;
    // Workers spawned while we waited are in the map too; wait until it drains.
    while (this.#workers.size > 0) await Promise.allSettled([...this.#workers.values()]);
  }

  async #resolveStreamArn(): Promise<string> {
    const { source } = this.#options;
    if ('streamArn' in source) return source.streamArn;
    const table = await source.dynamodb.send(
      new DescribeTableCommand({ TableName: source.tableName }),
    );
    const arn = table.Table?.LatestStreamArn;
    if (!arn || !table.Table?.StreamSpecification?.StreamEnabled) {
      throw new Error(
        `Table ${source.tableName} has no enabled stream; create it with a StreamSpecification (src/tables/definitions.ts sets one on the requests table).`,
      );
    }
    return arn;
  }

  async #describeShards(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const out = await this.#reader.describeStream({
        StreamArn: streamArn,
        ExclusiveStartShardId: exclusiveStartShardId,
      });
      const description = out.StreamDescription;
      for (const shard of description?.Shards ?? []) {
        shards.push(shard);
        this.#known.set(shardIdOf(shard), shard);
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** A shard may be read once its parent has been read to the end (or is gone from the stream). */
  #isStartable(shard: Shard): boolean {
    const id = shardIdOf(shard);
    if (this.#finished.has(id) || this.#workers.has(id)) return false;
    const parent = shard.ParentShardId;
    return !parent || this.#finished.has(parent) || !this.#known.has(parent);
  }

  /** Starts a shard's reader; resolves once its first iterator is positioned. */
  #spawn(shard: Shard, position: 'TRIM_HORIZON' | 'LATEST'): Promise<void> {
    const id = shardIdOf(shard);
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const worker = this.#runShard(id, position, markReady)
      .catch((error: unknown) => this.#onError(error, `shard ${id} stopped unexpectedly`))
      .finally(() => {
        markReady();
        this.#workers.delete(id);
      });
    this.#workers.set(id, worker);
    return ready;
  }

  /** Looks for shards that became readable; serialized so two lookups never overlap. */
  #discover(): Promise<void> {
    this.#discovery = this.#discovery.then(async () => {
      const streamArn = this.#streamArn;
      if (!this.#running || !streamArn) return;
      try {
        const shards = await this.#describeShards(streamArn);
        // Shards that appear after start() are new: read them from their beginning.
        for (const shard of shards)
          if (this.#running && this.#isStartable(shard)) void this.#spawn(shard, 'TRIM_HORIZON');
      } catch (error) {
        this.#onError(error, 'DescribeStream failed');
      }
    });
    return this.#discovery;
  }

  async #runDiscoveryLoop(): Promise<void> {
    const interval = this.#options.shardDiscoveryIntervalMs ?? 1000;
    while (this.#running) {
      await this.#sleep(interval);
      if (this.#running) await this.#discover();
    }
  }

  /** Reads one shard to its end: fetch, gather for the batching window, deliver, in order. */
  async #runShard(
    shardId: string,
    startAt: 'TRIM_HORIZON' | 'LATEST',
    markReady: () => void,
  ): Promise<void> {
    const cursor: ShardCursor = {
      shardId,
      streamArn: this.#streamArn as string,
      position: startAt,
      lastFetched: undefined,
      iterator: undefined,
      ended: false,
      buffer: [],
      firstBufferedAt: 0,
      failures: 0,
    };
    cursor.iterator = await this.#positionIterator(cursor);
    markReady();
    cursor.ended = cursor.iterator === undefined;
    while (this.#running) {
      const fetched = await this.#fetch(cursor);
      if (fetched === 'failed') continue;
      if (cursor.buffer.length > 0 && !this.#gathering(cursor)) {
        await this.#deliver(shardId, cursor.buffer.splice(0, this.#batchSize));
        continue;
      }
      if (cursor.ended && cursor.buffer.length === 0) {
        this.#finished.add(shardId);
        // The shard is closed and fully processed: its children may start now.
        void this.#discover();
        return;
      }
      if (fetched !== 'full') await this.#sleep(this.#pollIntervalMs);
    }
  }

  /**
   * A new iterator: after the last record fetched, else at the cursor's
   * position. Retries until the mapping stops (then undefined); a shard that
   * is gone throws.
   */
  async #positionIterator(cursor: ShardCursor): Promise<string | undefined> {
    const { shardId } = cursor;
    for (let attempt = 0; this.#running; attempt++) {
      try {
        const out = await this.#reader.getShardIterator({
          StreamArn: cursor.streamArn,
          ShardId: shardId,
          ...(cursor.lastFetched
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.lastFetched }
            : { ShardIteratorType: cursor.position }),
        });
        return out.ShardIterator;
      } catch (error) {
        if (errorName(error) === 'ResourceNotFoundException') throw error;
        this.#onError(error, `GetShardIterator on ${shardId} failed`);
        await this.#sleep(this.#backoff(attempt + 1));
      }
    }
    return undefined;
  }

  /** One `GetRecords` into the cursor's buffer, when there is room and an iterator. */
  async #fetch(cursor: ShardCursor): Promise<Fetched> {
    const room = this.#batchSize - cursor.buffer.length;
    if (cursor.ended || !cursor.iterator || room <= 0) return 'short';
    const limit = Math.min(1000, room);
    try {
      const out = await this.#reader.getRecords({ ShardIterator: cursor.iterator, Limit: limit });
      cursor.failures = 0;
      const records = out.Records ?? [];
      this.#addToBuffer(cursor, records);
      cursor.iterator = out.NextShardIterator;
      if (!cursor.iterator) cursor.ended = true;
      return records.length >= limit ? 'full' : 'short';
    } catch (error) {
      return this.#recoverFetch(cursor, error);
    }
  }

  /** Buffers fetched records; a new iterator will start after the last of them. */
  #addToBuffer(cursor: ShardCursor, records: readonly SdkRecord[]): void {
    if (records.length === 0) return;
    if (cursor.buffer.length === 0) cursor.firstBufferedAt = this.#now();
    const region = this.#options.region ?? LOCAL_AWS.region;
    for (const record of records)
      cursor.buffer.push(this.#buffered(record, cursor.streamArn, region));
    cursor.lastFetched = cursor.buffer[cursor.buffer.length - 1]?.sequenceNumber;
  }

  /** After a failed `GetRecords`: a new iterator where one helps, else back off. */
  async #recoverFetch(cursor: ShardCursor, error: unknown): Promise<Fetched> {
    const { shardId } = cursor;
    const name = errorName(error);
    if (name === 'ExpiredIteratorException') {
      cursor.iterator = await this.#positionIterator(cursor);
    } else if (name === 'TrimmedDataAccessException') {
      // The stream dropped records we had not read yet: resume at what it still holds.
      this.#onError(error, `records of ${shardId} expired before they were read`);
      cursor.lastFetched = undefined;
      cursor.position = 'TRIM_HORIZON';
      cursor.iterator = await this.#positionIterator(cursor);
    } else if (name === 'ResourceNotFoundException') {
      this.#onError(error, `shard ${shardId} is gone`);
      cursor.ended = true;
    } else {
      cursor.failures++;
      this.#onError(error, `GetRecords on ${shardId} failed`);
      await this.#sleep(this.#backoff(cursor.failures));
      return 'failed';
    }
    return 'short';
  }

  /** Whether to keep gathering before invoking: within the batching window, with room and more to read. */
  #gathering(cursor: ShardCursor): boolean {
    const windowMs = this.#options.maximumBatchingWindowMs ?? 0;
    return (
      windowMs > 0 &&
      !cursor.ended &&
      cursor.buffer.length < this.#batchSize &&
      this.#now() - cursor.firstBufferedAt < windowMs
    );
  }

  #buffered(record: SdkRecord, streamArn: string, region: string): BufferedRecord {
    const lambdaRecord = toLambdaRecord(record, { streamArn, region });
    return {
      record: lambdaRecord,
      sequenceNumber: lambdaRecord.dynamodb?.SequenceNumber ?? '',
      createdAt: lambdaRecord.dynamodb?.ApproximateCreationDateTime,
    };
  }

  /**
   * Runs one batch to completion the way Lambda does: retry on error (bisect
   * first when enabled), checkpoint past a partial failure's successful
   * prefix, and hand what cannot be processed to the on-failure destination.
   */
  async #deliver(shardId: string, records: readonly BufferedRecord[]): Promise<void> {
    const maxRetries = this.#options.maximumRetryAttempts ?? -1;
    const maxAge = this.#options.maximumRecordAgeInSeconds ?? -1;
    const queue: PendingBatch[] = [{ records, retries: 0, invocations: 0 }];
    while (queue.length > 0 && this.#running) {
      const batch = queue[0] as PendingBatch;
      if (maxAge >= 0) {
        const nowSeconds = this.#now() / 1000;
        const expired =
          batch.records.findLastIndex(
            (r) => r.createdAt !== undefined && nowSeconds - r.createdAt > maxAge,
          ) + 1;
        if (expired > 0) {
          await this.#discard(
            shardId,
            batch.records.slice(0, expired),
            'MaximumRecordAgeExceeded',
            batch,
          );
          batch.records = batch.records.slice(expired);
          if (batch.records.length === 0) queue.shift();
          continue;
        }
      }

      batch.invocations++;
      const outcome = await this.#invoke(batch.records);
      if (outcome.kind === 'success') {
        queue.shift();
        continue;
      }
      if (
        outcome.kind === 'error' &&
        this.#options.bisectBatchOnFunctionError &&
        batch.records.length > 1
      ) {
        // Splitting does not consume the retry quota (Lambda's rule).
        const middle = Math.ceil(batch.records.length / 2);
        queue.splice(
          0,
          1,
          { records: batch.records.slice(0, middle), retries: batch.retries, invocations: 0 },
          { records: batch.records.slice(middle), retries: batch.retries, invocations: 0 },
        );
        continue;
      }
      if (outcome.kind === 'partial') batch.records = batch.records.slice(outcome.index);
      batch.retries++;
      if (maxRetries >= 0 && batch.retries > maxRetries) {
        await this.#discard(shardId, batch.records, 'RetryAttemptsExhausted', batch);
        queue.shift();
        continue;
      }
      await this.#sleep(this.#backoff(batch.retries));
    }
  }

  async #invoke(records: readonly BufferedRecord[]): Promise<BatchOutcome> {
    const event: DynamoDBStreamEvent = { Records: records.map((r) => r.record) };
    const outcome = await invokeLocally(this.#options.handler, event, {
      functionName: this.functionName,
      timeoutMs: this.#options.functionTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      region: this.#options.region ?? LOCAL_AWS.region,
      now: this.#now,
    });
    if (!outcome.ok) {
      this.#onError(outcome.error, `${this.functionName} failed on a batch of ${records.length}`);
      return { kind: 'error', error: outcome.error };
    }
    if (!this.#options.reportBatchItemFailures) return { kind: 'success' };
    return classifyBatchResponse(outcome.result, records);
  }

  async #discard(
    shardId: string,
    records: readonly BufferedRecord[],
    condition: DiscardCondition,
    batch: PendingBatch,
  ): Promise<void> {
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return;
    const failure: StreamFailureRecord = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: localFunctionArn(this.functionName, this.#options.region ?? LOCAL_AWS.region),
        condition,
        approximateInvokeCount: batch.invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(batch.invocations > 0 && { functionError: 'Unhandled' }),
      },
      version: '1.0',
      timestamp: new Date(this.#now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAt),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAt),
        batchSize: records.length,
        streamArn: this.#streamArn as string,
      },
    };
    const destination = this.#options.onFailure;
    if (!destination) {
      this.#onError(
        failure,
        `discarded ${records.length} record(s) (${condition}) and no onFailure destination is set`,
      );
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await deliverFailureRecord(destination, failure);
        return;
      } catch (error) {
        if (attempt >= 3 || !this.#running) {
          this.#onError(
            error,
            `could not deliver a failure record for ${shardId}; the records are skipped`,
          );
          return;
        }
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  #backoff(attempt: number): number {
    return backoffDelay(attempt, {
      initialMs: this.#options.retryDelayMs ?? 100,
      maxMs: this.#options.maxRetryDelayMs ?? 2000,
    });
  }

  /** Sleeps, waking early (without throwing) when the mapping stops. */
  async #sleep(ms: number): Promise<void> {
    if (this.#running) await sleepUnlessAborted(ms, this.#abort.signal);
  }
}

/**
 * Reads a handler's `batchItemFailures` the way Lambda does: none means
 * success; an empty, missing or unknown `itemIdentifier` fails the whole
 * batch; otherwise the batch is checkpointed before the lowest failed record.
 */
function classifyBatchResponse(result: unknown, records: readonly BufferedRecord[]): BatchOutcome {
  if (result === null || result === undefined || typeof result !== 'object')
    return { kind: 'success' };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'error', error: new TypeError('batchItemFailures is not an array') };
  }
  if (failures.length === 0) return { kind: 'success' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === 'string' && id !== '' ? records.findIndex((r) => r.sequenceNumber === id) : -1;
    if (index < 0) {
      return {
        kind: 'error',
        error: new TypeError(`batchItemFailures names an unknown itemIdentifier: ${String(id)}`),
      };
    }
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', index: lowest };
}

function shardIdOf(shard: Shard): string {
  if (!shard.ShardId) throw new Error('DescribeStream returned a shard without ShardId');
  return shard.ShardId;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isoSeconds(epochSeconds: number | undefined): string {
  return epochSeconds === undefined
    ? ''
    : new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}
