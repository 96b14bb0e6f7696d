import { beforeAll, describe, it } from 'vitest';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { checkLifecycle } from '../../src/testing';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { PrefixedStore } from '../support/prefixedStore';
import { lifecycleCases } from './support/lifecycleCases';

// The kit's lifecycle property with the real DynamoDB adapter under the
// engine: conditional appends, strongly consistent reads, one item per commit.
describe('request lifecycle under random schedules (DynamoDB Local)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await createTestTables('engine-model');
  });

  for (const { name, workflow, options } of lifecycleCases()) {
    it(`${name}: keeps invariants 1–9 after every command and settles every request`, async () => {
      // Each schedule gets its own request keys through a fresh prefix, so schedules share the table safely.
      let run = 0;
      const store = () => {
        run += 1;
        const table = new DynamoDbEventStore({
          client: dynamo.client,
          tableName: dynamo.tables.requests,
        });
        return new PrefixedStore(table, `${name}-run${run}-`);
      };
      await checkLifecycle(workflow, { ...options, store, numRuns: 8, maxCommands: 12 });
    }, 600_000);
  }
});
