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
    const count = context.quick ? 40 : 300;
    const client = new DynamoDBClient({ endpoint: context.dynamoDbEndpoint, ...LOCAL_AWS });
    const streams = new DynamoDBStreamsClient({ endpoint: context.dynamoDbEndpoint, ...LOCAL_AWS });
    try {
      const raw = await measure(context, client, 'raw GetRecords loop', count, (onRecord, table) =>
        rawReader(streams, client, table, onRecord),
      );
      const figures: BenchFigure[] = [];
      for (const pollIntervalMs of [25, 50]) {
        const mapped = await measure(
          context,
          client,
          `mapping, poll ${pollIntervalMs} ms`,
          count,
          async (onRecord, table) => {
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
          },
        );
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

type Reader = (onRecord: (seq: string) => void, table: string) => Promise<() => Promise<void>>;

async function measure(
  context: BenchContext,
  client: DynamoDBClient,
  label: string,
  count: number,
  startReader: Reader,
): Promise<{ p50: number; p99: number; max: number }> {
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
            requestId: { S: 'bench' },
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
  const latencies = [...arrivedAt].map(([seq, at]) => at - (putAt.get(seq) ?? at));
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  context.log(
    `${label}: ${latencies.length}/${count} records, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms`,
  );
  return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? Number.NaN };
}

async function rawReader(
  streams: DynamoDBStreamsClient,
  client: DynamoDBClient,
  table: string,
  onRecord: (seq: string) => void,
): Promise<() => Promise<void>> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const StreamArn = described.Table?.LatestStreamArn as string;
  const stream = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const ShardId = stream.StreamDescription?.Shards?.[0]?.ShardId as string;
  let iterator = (
    await streams.send(
      new GetShardIteratorCommand({ StreamArn, ShardId, ShardIteratorType: 'LATEST' }),
    )
  ).ShardIterator;
  let running = true;
  const loop = (async () => {
    while (running && iterator) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of out.Records ?? []) onRecord(record.dynamodb?.Keys?.seq?.N ?? '');
      iterator = out.NextShardIterator;
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
