import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { DynamoDbEventStore } from '../src/events/dynamodb';
import { LOCAL_AWS } from '../src/local/localAws';
import { createTables } from '../src/tables/createTables';
import { tableNames } from '../src/tables/definitions';
import { BENCH_PROGRESS_DATA, rawPutItemRate } from './rawPutItem';
import type { BenchFigure, BenchScenario } from './scenario';

/**
 * Appends per second through `DynamoDbEventStore` against raw `PutItem` of
 * an item of the same size on the same DynamoDB Local, sequentially and 16
 * at a time. Each writer appends one event at a time to its own request, as
 * the engine does. The ratio is what the port, the condition and the size
 * check cost over the cheapest possible write.
 */
export const appendThroughput: BenchScenario = {
  name: 'event store append vs raw PutItem',
  async run({ quick, dynamoDbEndpoint, log }) {
    const client = new DynamoDBClient({ endpoint: dynamoDbEndpoint, ...LOCAL_AWS });
    const tables = tableNames(`bench-${ulid().toLowerCase()}`);
    await createTables(client, tables);
    const store = new DynamoDbEventStore({ client, tableName: tables.requests });
    const data = BENCH_PROGRESS_DATA;

    const viaStore = async (writers: number, perWriter: number) =>
      Promise.all(
        Array.from({ length: writers }, async () => {
          const requestKey = `bench#${ulid()}`;
          for (let version = 0; version < perWriter; version++) {
            await store.append(requestKey, version, [
              { type: 'step.progress', at: Date.now(), tenantId: 'bench', userId: 'u', data },
            ]);
          }
        }),
      );
    const figures: BenchFigure[] = [];
    for (const concurrency of [1, 16]) {
      const total = quick ? 160 : concurrency === 1 ? 600 : 2400;
      const perWriter = Math.ceil(total / concurrency);
      await rawPutItemRate(client, tables.requests, concurrency, 10); // warm up connections and the JIT
      // Alternate the two and keep each one's best round, so a burst of load
      // from elsewhere on the machine does not land on one side only.
      let raw = 0;
      let ours = 0;
      for (let round = 0; round < 2; round++) {
        raw = Math.max(raw, await rawPutItemRate(client, tables.requests, concurrency, perWriter));
        ours = Math.max(
          ours,
          await rate(() => viaStore(concurrency, perWriter), concurrency * perWriter),
        );
      }
      log(`concurrency ${concurrency}: store ${ours.toFixed(0)}/s, PutItem ${raw.toFixed(0)}/s`);
      figures.push({
        name: `append, ${concurrency === 1 ? 'sequential' : `concurrency ${concurrency}`}`,
        value: ours,
        unit: 'appends/s',
        baseline: { name: 'raw PutItem', value: raw },
        details: { events: concurrency * perWriter },
      });
    }
    client.destroy();
    return figures;
  },
};

async function rate(work: () => Promise<unknown>, operations: number): Promise<number> {
  const started = performance.now();
  await work();
  return operations / ((performance.now() - started) / 1000);
}
