import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { commands, runModel } from './support/model';

describe('request lifecycle under random schedules (DynamoDB Local)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await createTestTables('engine-model');
  });

  it('keeps invariants 1–8 after every command and settles every request', async () => {
    // Each run gets its own request ids through a fresh key prefix, so runs share the table safely.
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20 }), async (cmds) => {
        run += 1;
        const store = new DynamoDbEventStore({
          client: dynamo.client,
          tableName: dynamo.tables.requests,
        });
        await runModel(new PrefixedStore(store, `run${run}-`), cmds);
      }),
      { numRuns: 25, verbose: 1 },
    );
  }, 600_000);
});

/** Keeps each property run's requests apart in one table. */
class PrefixedStore {
  constructor(
    private readonly inner: DynamoDbEventStore,
    private readonly prefix: string,
  ) {}
  append(...[requestKey, version, events]: Parameters<DynamoDbEventStore['append']>) {
    return this.inner.append(this.prefix + requestKey, version, events);
  }
  async read(...[requestKey, options]: Parameters<DynamoDbEventStore['read']>) {
    const events = await this.inner.read(this.prefix + requestKey, options);
    return events.map((event) => ({ ...event, requestKey }));
  }
}
