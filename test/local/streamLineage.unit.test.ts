import type { _Record as SdkRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDynamoDbStreamMapping,
  type DynamoDbStreamMapping,
  type DynamoDbStreamMappingOptions,
  type StreamsReader,
  toLambdaRecord,
} from '../../src/local/streamMapping';
import { deferred, waitFor } from './waitFor';

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026-01-01T00:00:00.000';

/**
 * A Streams API over in-memory shards. DynamoDB Local only rolls a shard over
 * after four hours, so closed parents and their children are played here.
 */
class FakeStream implements StreamsReader {
  readonly shards: {
    id: string;
    parent?: string;
    records: SdkRecord[];
    closed: boolean;
    /** Records before this index are past the stream's retention. */
    trimmed: number;
  }[] = [];
  /** Shard ids of GetRecords calls that returned records, in call order. */
  readonly reads: string[] = [];
  /** Error names the next GetRecords calls throw, in order. */
  readonly failNext: string[] = [];
  /** The `ShardIteratorType` of every GetShardIterator call, in call order. */
  readonly iteratorTypes: string[] = [];
  #next = 1;

  addShard(id: string, parent?: string): void {
    this.shards.push({ id, ...(parent && { parent }), records: [], closed: false, trimmed: 0 });
  }

  /** Drops a shard's first `count` records from what the stream retains. */
  trim(shardId: string, count: number): void {
    this.#shard(shardId).trimmed = count;
  }

  append(shardId: string, key: string): void {
    const sequenceNumber = String(this.#next++).padStart(21, '0');
    this.#shard(shardId).records.push({
      eventID: `e${sequenceNumber}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date(),
        Keys: { key: { S: key } },
        NewImage: { key: { S: key } },
        SequenceNumber: sequenceNumber,
        SizeBytes: 10,
        StreamViewType: 'NEW_IMAGE',
      },
    });
  }

  close(shardId: string): void {
    this.#shard(shardId).closed = true;
  }

  async describeStream() {
    return {
      StreamDescription: {
        StreamArn: STREAM_ARN,
        Shards: this.shards.map((s) => ({
          ShardId: s.id,
          ...(s.parent && { ParentShardId: s.parent }),
          SequenceNumberRange: {
            StartingSequenceNumber: s.records[0]?.dynamodb?.SequenceNumber,
            ...(s.closed && { EndingSequenceNumber: s.records.at(-1)?.dynamodb?.SequenceNumber }),
          },
        })),
      },
    };
  }

  async getShardIterator(input: {
    ShardId?: string;
    ShardIteratorType?: string;
    SequenceNumber?: string;
  }) {
    const shard = this.#shard(input.ShardId ?? '');
    this.iteratorTypes.push(input.ShardIteratorType ?? '');
    const position =
      input.ShardIteratorType === 'TRIM_HORIZON'
        ? shard.trimmed
        : input.ShardIteratorType === 'LATEST'
          ? shard.records.length
          : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === input.SequenceNumber) + 1;
    return { ShardIterator: `${shard.id}|${position}` };
  }

  async getRecords(input: { ShardIterator?: string; Limit?: number }) {
    const failure = this.failNext.shift();
    if (failure) throw Object.assign(new Error(failure), { name: failure });
    const [id = '', at = '0'] = (input.ShardIterator ?? '').split('|');
    const shard = this.#shard(id);
    const records = shard.records.slice(Number(at), Number(at) + (input.Limit ?? 1000));
    const next = Number(at) + records.length;
    if (records.length > 0) this.reads.push(id);
    const ended = shard.closed && next >= shard.records.length;
    return { Records: records, ...(!ended && { NextShardIterator: `${id}|${next}` }) };
  }

  #shard(id: string) {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard)
      throw Object.assign(new Error(`no shard ${id}`), { name: 'ResourceNotFoundException' });
    return shard;
  }
}

const running: DynamoDbStreamMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

function consume(
  stream: FakeStream,
  startingPosition: 'TRIM_HORIZON' | 'LATEST',
  handle: (keys: string[]) => Promise<void> | void,
  settings: Partial<DynamoDbStreamMappingOptions> = {},
): DynamoDbStreamMapping {
  const mapping = createDynamoDbStreamMapping({
    functionName: 'lineage',
    streams: stream,
    source: { streamArn: STREAM_ARN },
    startingPosition,
    pollIntervalMs: 5,
    shardDiscoveryIntervalMs: 10,
    onError: () => {},
    handler: async (event) => {
      await handle(event.Records.map((r) => r.dynamodb?.Keys?.key?.S ?? ''));
    },
    ...settings,
  });
  running.push(mapping);
  return mapping;
}

describe('shard lineage', () => {
  it('reads a closed parent shard to its end before any record of its child', async () => {
    const stream = new FakeStream();
    stream.addShard('parent');
    for (const key of ['p1', 'p2', 'p3']) stream.append('parent', key);
    stream.close('parent');
    stream.addShard('child', 'parent');
    for (const key of ['c1', 'c2']) stream.append('child', key);
    const seen: string[] = [];
    const hold = deferred();
    const mapping = consume(stream, 'TRIM_HORIZON', async (keys) => {
      seen.push(...keys);
      if (keys.includes('p3')) await hold.promise;
    });

    await mapping.start();
    await waitFor('the parent batch', () => seen.includes('p3'));
    // While the parent's last batch is in flight, the child is untouched.
    expect(stream.reads).not.toContain('child');
    hold.resolve();
    await waitFor('the child records', () => seen.length === 5);

    expect(seen).toEqual(['p1', 'p2', 'p3', 'c1', 'c2']);
  });

  it('follows a shard that closes while being read into the child that replaces it', async () => {
    const stream = new FakeStream();
    stream.addShard('first');
    stream.append('first', 'a');
    const seen: string[] = [];
    const mapping = consume(stream, 'TRIM_HORIZON', (keys) => {
      seen.push(...keys);
    });
    await mapping.start();
    await waitFor('a', () => seen.includes('a'));

    // A rollover: the open shard gets its last record and closes; a child takes the writes.
    stream.append('first', 'b');
    stream.close('first');
    stream.addShard('second', 'first');
    stream.append('second', 'c');
    await waitFor('c', () => seen.includes('c'));
    stream.append('second', 'd');
    await waitFor('d', () => seen.includes('d'));

    expect(seen).toEqual(['a', 'b', 'c', 'd']);
  });

  it('with LATEST, skips closed shards and what open ones held before start()', async () => {
    const stream = new FakeStream();
    stream.addShard('old');
    stream.append('old', 'old-1');
    stream.close('old');
    stream.addShard('current', 'old');
    stream.append('current', 'before-start');
    const seen: string[] = [];
    const mapping = consume(stream, 'LATEST', (keys) => {
      seen.push(...keys);
    });
    await mapping.start();
    stream.append('current', 'after-start');
    await waitFor('the new record', () => seen.length > 0);

    expect(seen).toEqual(['after-start']);
  });
});

describe('reading through Streams errors and the batching window', () => {
  it('after an expired iterator resumes after the last record fetched, and retries a failed GetRecords', async () => {
    const stream = new FakeStream();
    stream.addShard('s');
    stream.append('s', 'a1');
    stream.append('s', 'a2');
    stream.failNext.push('ExpiredIteratorException', 'InternalServerError');
    const seen: string[] = [];
    const mapping = consume(stream, 'TRIM_HORIZON', (keys) => void seen.push(...keys), {
      retryDelayMs: 1,
    });
    await mapping.start();
    await waitFor('a2', () => seen.includes('a2'));

    stream.failNext.push('ExpiredIteratorException');
    stream.append('s', 'a3');
    await waitFor('a3', () => seen.includes('a3'));

    expect(seen).toEqual(['a1', 'a2', 'a3']);
    expect(stream.iteratorTypes).toEqual(['TRIM_HORIZON', 'TRIM_HORIZON', 'AFTER_SEQUENCE_NUMBER']);
  });

  it('when records expired before they were read, says so and resumes at the trim horizon', async () => {
    const stream = new FakeStream();
    stream.addShard('s');
    stream.append('s', 'b1');
    const seen: string[] = [];
    const errors: string[] = [];
    const mapping = consume(stream, 'TRIM_HORIZON', (keys) => void seen.push(...keys), {
      onError: (_error, context) => void errors.push(context),
    });
    await mapping.start();
    await waitFor('b1', () => seen.includes('b1'));

    stream.append('s', 'b2');
    stream.append('s', 'b3');
    stream.trim('s', 2);
    stream.failNext.push('TrimmedDataAccessException');
    await waitFor('b3', () => seen.includes('b3'));

    expect(seen).toEqual(['b1', 'b3']);
    expect(errors).toEqual(['records of s expired before they were read']);
    expect(stream.iteratorTypes).toEqual(['TRIM_HORIZON', 'TRIM_HORIZON']);
  });

  it('gathers records for maximumBatchingWindowMs, then invokes once with all of them', async () => {
    const stream = new FakeStream();
    stream.addShard('s');
    stream.append('s', 'w1');
    let now = 1_000_000;
    const batches: string[][] = [];
    const mapping = consume(stream, 'TRIM_HORIZON', (keys) => void batches.push(keys), {
      maximumBatchingWindowMs: 500,
      now: () => now,
    });
    await mapping.start();
    await waitFor('w1 fetched', () => stream.reads.length === 1);
    stream.append('s', 'w2');
    await waitFor('w2 fetched', () => stream.reads.length === 2);
    // The clock stands still: the window is open, nothing is invoked yet.
    expect(batches).toEqual([]);

    now += 500;
    await waitFor('the batch', () => batches.length > 0);
    expect(batches).toEqual([['w1', 'w2']]);
  });
});

describe('record conversion', () => {
  it('gives binary attributes as base64 and keeps an attribute named __proto__ as data', () => {
    const image = JSON.parse('{"__proto__": {"S": "sneaky"}, "blob": {"B": [104, 105]}}');
    image.blob = { B: new Uint8Array([104, 105]) };
    const record: DynamoDBRecord = toLambdaRecord(
      {
        eventName: 'INSERT',
        dynamodb: {
          NewImage: image,
          SequenceNumber: '1',
          ApproximateCreationDateTime: new Date(90_000),
        },
      },
      { streamArn: STREAM_ARN, region: 'us-east-1' },
    );

    expect(record.dynamodb?.NewImage?.blob).toEqual({ B: 'aGk=' });
    expect(Object.hasOwn(record.dynamodb?.NewImage ?? {}, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).S).toBeUndefined();
    expect(record.dynamodb?.ApproximateCreationDateTime).toBe(90);
    expect(record).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventSourceARN: STREAM_ARN,
      awsRegion: 'us-east-1',
    });
  });
});
