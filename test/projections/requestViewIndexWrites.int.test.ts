import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toRequestKey } from '../../src/events/requestKey';
import { DynamoDbRequestViewStore } from '../../src/projections/dynamodb/requestViewStore';
import type { RequestView } from '../../src/projections/requestView';
import { runSummary } from '../../src/router/inspectActions';
import { createTestTables, type TestDynamo } from '../support/dynamo';

// The request view's list indexes copy nothing a progress update rewrites,
// so a progress-only pass writes the table alone (issue #20). Measured as
// DynamoDB Local reports it: ReturnConsumedCapacity INDEXES on every call
// the real store makes.

let ddb: TestDynamo;
let views: DynamoDbRequestViewStore;
let consumed: ConsumedCapacity[] = [];

/** Asks every call of `client` for its capacity per index, and keeps what comes back. */
function measure(client: DynamoDBClient): void {
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  client.send = (async (command: { input: { ReturnConsumedCapacity?: string } }) => {
    command.input.ReturnConsumedCapacity ??= 'INDEXES';
    const output = (await send(command)) as { ConsumedCapacity?: ConsumedCapacity };
    if (output.ConsumedCapacity) consumed.push(output.ConsumedCapacity);
    return output;
  }) as unknown as DynamoDBClient['send'];
}

/** Write units per index over the calls since the last reset. */
function indexWrites(): Record<string, number> {
  const units: Record<string, number> = {};
  for (const entry of consumed) {
    for (const [name, { CapacityUnits = 0 }] of Object.entries(
      entry.GlobalSecondaryIndexes ?? {},
    )) {
      units[name] = (units[name] ?? 0) + CapacityUnits;
    }
  }
  return units;
}

beforeAll(async () => {
  ddb = await createTestTables('viewidx');
  measure(ddb.client);
  views = new DynamoDbRequestViewStore({ client: ddb.client, tableName: ddb.tables.requestView });
});
afterAll(() => ddb.client.destroy());
beforeEach(() => {
  consumed = [];
});

let seq = 0;
let tenantId = 'acme';
function viewOf(requestId: string, changes: Partial<RequestView> = {}): RequestView {
  seq += 1;
  return {
    requestKey: toRequestKey(tenantId, requestId),
    requestId,
    tenantId,
    userId: 'u1',
    action: 'report',
    connectionId: 'c1',
    status: 'PENDING',
    progress: 0,
    retryCount: 0,
    maxRetries: 2,
    lastSeq: seq,
    createdAt: 1_800_000_000_000,
    ttl: 1_800_604_800,
    ...changes,
  };
}

describe('request view index writes', () => {
  it('a progress-only pass (an update or a full save) and a retry write no index; a status change writes byTenantStatus alone', async () => {
    // Prepare: a request, accepted and started.
    await views.save(viewOf('r1'));
    const started = viewOf('r1', { status: 'PROCESSING', processingStarted: 1_800_000_000_100 });
    await views.save(started);
    consumed = [];
    // Act: two progress passes, one through each path the projector takes.
    const halfway = { ...started, progress: 30, progressMessage: 'a third', lastSeq: ++seq };
    expect(await views.saveProgress(halfway, started.lastSeq)).toEqual({ kind: 'saved' });
    expect(
      await views.save({ ...halfway, progress: 60, progressMessage: 'more', lastSeq: ++seq }),
    ).toEqual({ kind: 'saved' });
    await views.save({ ...halfway, progress: 60, retryCount: 1, lastSeq: ++seq });
    // Assess
    expect(consumed).toHaveLength(3);
    expect(indexWrites()).toEqual({});

    consumed = [];
    await views.save(viewOf('r1', { status: 'COMPLETED', progress: 100, processingEnded: 1 }));
    const writes = indexWrites();
    expect(writes.byTenantStatus).toBeGreaterThan(0);
    // byTenant and byConnection hold keys and set-once fields, none of which changed.
    expect(writes.byTenant).toBeUndefined();
    expect(writes.byConnection).toBeUndefined();
  });

  it('a new request writes byConnection once', async () => {
    await views.save(viewOf('r2'));
    expect(indexWrites()).toMatchObject({ byConnection: 1, byTenantStatus: 1, byTenant: 1 });
  });
});

describe('list after progress-only passes', () => {
  // A tenant of its own: the rows above are not in its partitions.
  beforeAll(() => {
    tenantId = 'initech';
  });

  it('returns the rows with their current progress, as the table has them', async () => {
    // Prepare: a running request whose progress moved on twice since its last status change.
    const running = viewOf('r3', { status: 'PROCESSING', createdAt: 1_900_000_000_000 });
    await views.save(running);
    const first = { ...running, progress: 10, progressMessage: 'one', lastSeq: ++seq };
    await views.saveProgress(first, running.lastSeq);
    const latest = { ...first, progress: 70, progressMessage: 'seven', lastSeq: ++seq };
    await views.saveProgress(latest, first.lastSeq);
    // Act: with and without the status filter (the two indexes).
    const all = await views.listByTenant({ tenantId, limit: 1 });
    const processing = await views.listByTenant({ tenantId, status: 'PROCESSING', limit: 10 });
    // Assess: the row is the stored view's, field for field as list shows it.
    const stored = await views.get(running.requestKey);
    if (!stored) throw new Error('the view was saved');
    expect(all.views.map(runSummary)).toEqual([runSummary(stored)]);
    expect(processing.views.map(runSummary)).toEqual([runSummary(stored)]);
    expect(runSummary(stored)).toMatchObject({
      progress: 70,
      progress_message: 'seven',
      last_seq: latest.lastSeq,
    });
  });

  it("reads one tenant's rows only, though another tenant chose the same ids", async () => {
    const other = { ...viewOf('r3', { createdAt: 1_900_000_000_000 }), tenantId: 'globex' };
    await views.save({ ...other, requestKey: toRequestKey('globex', 'r3'), progress: 99 });
    const page = await views.listByTenant({ tenantId, limit: 100 });
    expect(page.views.every((view) => view.tenantId === tenantId)).toBe(true);
    expect(page.views.find((view) => view.requestId === 'r3')?.progress).toBe(70);
  });
});
