import fc from 'fast-check';
import { ulid } from 'ulid';
import { beforeAll, describe, it } from 'vitest';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { raceAppenders, writerPlans } from './concurrentAppends';

let ddb: TestDynamo;
beforeAll(async () => {
  ddb = await createTestTables('race');
});

describe('concurrent appenders on DynamoDB Local (real concurrency)', () => {
  it('exactly one writer wins each seq; the log stays dense and nothing is overwritten', async () => {
    const store = new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests });
    await fc.assert(
      fc.asyncProperty(writerPlans, async (plans) => {
        await raceAppenders(store, `acme#${ulid()}`, plans);
      }),
      { numRuns: 15 },
    );
  });
});
