import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { ulid } from 'ulid';
import { LOCAL_AWS } from '../src/local/localAws';
import { createDynamoDbStreamMapping } from '../src/local/streamMapping';
import { createTables } from '../src/tables/createTables';
import { tableNames } from '../src/tables/definitions';
import type { BenchContext, BenchFigure, BenchScenario } from './scenario';
import { type LatencySummary, summarize } from './stats';

/**
 * Put → handler invoked, through the local DynamoDB Streams mapping, at the
 * poll interval `npm start` uses and at the default one; baseline: a raw
 * `GetRecords` loop that never sleeps (the soonest DynamoDB Local lets any
 * reader see the record). Puts are spaced so the shard is idle between them,
 * the case of a progress event arriving on a quiet stream (DESIGN §9).
 */
export const streamDelivery: BenchScenario = {
  name: 'stream-delivery',
  async run(context: BenchContext): Promise<BenchFigure[]> {
    const count = context.quick ? 40 : 200;
    const client = new DynamoDBClient({ endpoint: context.dynamoDbEndpoint, ...LOCAL_AWS });
    const streams = new DynamoDBStreamsClient({ endpoint: context.dynamoDbEndpoint, ...LOCAL_AWS });
    try {
      const raw = await putToReaderLatency(client, count, (onRecord, table) =>
        rawStreamReader(streams, client, table, onRecord),
      );
      context.log(describe('raw GetRecords loop', raw, count));
      const figures: BenchFigure[] = [];
      for (const pollIntervalMs of [25, 50]) {
        const mapped = await putToReaderLatency(client, count, async (onRecord, table) => {
          const mapping = createDynamoDbStreamMapping({
            functionName: 'bench',
            streams,
            source: { tableName: table, dynamodb: client },
            startingPosition: 'LATEST',
            pollIntervalMs,
            handler: async (event) => {
              for (const record of event.Records) onRecord(record.dynamodb?.Keys?.seq?.N ?? '');
            },
          });
          await mapping.start();
          return () => mapping.stop();
        });
        context.log(describe(`mapping, poll ${pollIntervalMs} ms`, mapped, count));
        figures.push({
          name: `put → handler, poll ${pollIntervalMs} ms`,
          value: mapped.p99,
          unit: 'ms p99',
          baseline: { name: 'raw GetRecords loop p99', value: raw.p99 },
          details: { p50: mapped.p50, max: mapped.max, baselineP50: raw.p50, records: count },
        });
      }
      return figures;
    } finally {
      client.destroy();
      streams.destroy();
    }
  },
};

/** Starts a stream reader on `table` that calls `onRecord` with each record's `seq`; resolves with its stop. */
export type StreamReaderStart = (
  onRecord: (seq: string) => void,
  table: string,
) => Promise<() => Promise<void>>;

function describe(label: string, latency: LatencySummary, count: number): string {
  return `${label}: ${latency.count}/${count} records, p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms`;
}

/**
 * Puts `count` events, unevenly spaced, on the requests table of fresh
 * tables, and measures from each put's start until `startReader`'s reader
 * sees it.
 */
export async function putToReaderLatency(
  client: DynamoDBClient,
  count: number,
  startReader: StreamReaderStart,
): Promise<LatencySummary> {
  const names = tableNames(`bench-stream-${ulid().toLowerCase()}`);
  await createTables(client, names);
  // Latency counts from when the put is issued: a record can reach the reader
  // before the PutItem response reaches us.
  const putAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const stop = await startReader((seq) => {
    if (!arrivedAt.has(seq)) arrivedAt.set(seq, performance.now());
  }, names.requests);
  try {
    for (let seq = 1; seq <= count; seq++) {
      putAt.set(String(seq), performance.now());
      await client.send(
        new PutItemCommand({
          TableName: names.requests,
          Item: {
            requestKey: { S: 'bench' },
            seq: { N: String(seq) },
            type: { S: 'step.progress' },
          },
        }),
      );
      // Uneven spacing, so puts land at every phase of the poll interval.
      await sleep(20 + (seq % 7) * 9);
    }
    const deadline = performance.now() + 10_000;
    while (arrivedAt.size < count && performance.now() < deadline) await sleep(20);
  } finally {
    await stop();
  }
  return summarize([...arrivedAt].map(([seq, at]) => at - (putAt.get(seq) ?? at)));
}

/** A `GetRecords` loop that never sleeps: the soonest DynamoDB Local lets any reader see a record. */
export async function rawStreamReader(
  streams: DynamoDBStreamsClient,
  client: DynamoDBClient,
  table: string,
  onRecord: (seq: string) => void,
): Promise<() => Promise<void>> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const StreamArn = described.Table?.LatestStreamArn as string;
  const stream = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const ShardId = stream.StreamDescription?.Shards?.[0]?.ShardId as string;
  const iteratorAt = async (ShardIteratorType: 'LATEST' | 'TRIM_HORIZON') =>
    (await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId, ShardIteratorType })))
      .ShardIterator;
  let iterator = await iteratorAt('LATEST');
  let running = true;
  const loop = (async () => {
    while (running && iterator) {
      try {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const record of out.Records ?? []) onRecord(record.dynamodb?.Keys?.seq?.N ?? '');
        iterator = out.NextShardIterator;
      } catch (error) {
        // DynamoDB Local sometimes refuses a fresh shard's iterator as "trimmed"; the table is
        // new, so reading it from the start again only repeats records already seen.
        if ((error as { name?: string }).name !== 'TrimmedDataAccessException') throw error;
        iterator = await iteratorAt('TRIM_HORIZON');
      }
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
