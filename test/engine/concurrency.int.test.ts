import { beforeAll, describe, expect, it } from 'vitest';
import { createWorkflowRegistry } from '../../src/engine';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { DynamoDbSlotStore } from '../../src/flowControl/dynamodb/dynamoDbSlotStore';
import { createTestTables, type TestDynamo } from '../support/dynamo';
import { countedWorkflow, RunningSteps } from './support/countedWorkflow';
import { expectFairShare } from './support/fairShare';
import { startProcessors } from './support/processors';

describe('concurrency per key on DynamoDB Local', () => {
  let ddb: TestDynamo;
  beforeAll(async () => {
    ddb = await createTestTables('slots');
  });

  it('with a limit of 2 per tenant, A’s 10 runs never have more than 2 running, B’s start at once, and all 12 complete — two processors racing on one table', async () => {
    const probe = new RunningSteps();
    const registry = createWorkflowRegistry([countedWorkflow(probe, { limit: 2, key: 'tenant' })]);
    const store = new DynamoDbEventStore({ client: ddb.client, tableName: ddb.tables.requests });
    const slots = new DynamoDbSlotStore({ client: ddb.client, tableName: ddb.tables.flowControl });
    const processors = startProcessors({
      store,
      registry,
      flowControl: { slots },
      clock: Date.now,
      processors: 2,
      duplicateDeliveries: true,
    });
    for (let n = 1; n <= 10; n++)
      await processors.submit('tenant-a', 'counted_job', { ms: 40 }, `a${n}`);
    for (let n = 1; n <= 2; n++)
      await processors.submit('tenant-b', 'counted_job', { ms: 40 }, `b${n}`);
    await processors.drain(90_000);

    await expectFairShare(store, registry, probe);
    // Every slot was given back: two newcomers get both at once.
    const claim = (n: number) => ({
      key: 'tenant-a#counted_job',
      limit: 2,
      holder: `tenant-a#later${n}`,
      run: `later${n}`,
      version: 1,
      order: `${Date.now()}#tenant-a#later${n}`,
      now: Date.now(),
      holdUntil: Date.now() + 60_000,
      waitUntil: Date.now() + 60_000,
    });
    expect(await slots.acquire(claim(1))).toEqual({ kind: 'granted' });
    expect(await slots.acquire(claim(2))).toEqual({ kind: 'granted' });
  });
});
