import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type RunFrame, type StreamerClient } from '../../src/client';
import { LOCAL_AWS } from '../../src/local/localAws';
import { framesForEvents } from '../../src/projections/progressFeed';
import type { DemoWorkflows } from '../../src/workflows';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';
import { collect } from './scriptedFrames';

// The whole local stack; three clients run 60 demo workflows at once while
// the server side drops their connections at random moments through the
// Management API, the call AWS offers (`DeleteConnection`).
const TENANT = 'chaos';
const RUNS = 60;
let harness: StackHarness;
let management: ApiGatewayManagementApiClient;
const clients: StreamerClient<DemoWorkflows>[] = [];

beforeAll(async () => {
  harness = await startStackHarness({ demoSpeed: 4 });
  management = new ApiGatewayManagementApiClient({
    endpoint: harness.stack.managementEndpoint,
    ...LOCAL_AWS,
  });
});
afterAll(async () => {
  for (const client of clients) client.close();
  management?.destroy();
  await harness?.stop();
});

/** Starts the `i`th run: the four async demo workflows in turn. */
function startDemo(client: StreamerClient<DemoWorkflows>, i: number) {
  const id = `chaos-${i}`;
  switch (i % 4) {
    case 0:
      return client.start('echo_async', { message: `hello ${i}` }, { id });
    case 1: {
      const report = { format: 'csv', report_type: 'monthly' } as const;
      return client.start(
        'generate_report',
        { start_date: '2026-01-01', end_date: '2026-01-31', ...report },
        { id },
      );
    }
    case 2:
      return client.start('process_data', { dataset_id: `ds-${i}`, operations: ['clean'] }, { id });
    default: {
      const items = Array.from({ length: 60 }, (_, n) => n);
      return client.start('bulk_operation', { items, batch_size: 20 }, { id });
    }
  }
}

/** A client of tenant `chaos` whose token function mints a fresh token per connection attempt. */
function clientFor(user: string, tokensMinted: { count: number }): StreamerClient<DemoWorkflows> {
  const identity = harness.stack.devIdentity;
  if (!identity) throw new Error('the stack did not generate a dev key');
  return createClient<DemoWorkflows>({
    url: harness.stack.url,
    token: () => {
      tokensMinted.count++;
      return identity.mintToken({ sub: user, tenant_id: TENANT });
    },
    reconnect: { minDelayMs: 20, maxDelayMs: 400, minUptimeMs: 200 },
  });
}

/** The tenant's open connections, from the connections table the $connect handler writes. */
async function openConnections(): Promise<string[]> {
  const { Items = [] } = await harness.stack.dynamo.send(
    new ScanCommand({ TableName: harness.stack.tables.connections, ConsistentRead: true }),
  );
  return Items.map((item) => unmarshall(item))
    .filter((item) => item.tenantId === TENANT)
    .map((item) => String(item.connectionId));
}

/** Drops a random connection of the tenant every 100–500 ms until `done`; returns how many it dropped. */
async function dropConnectionsUntil(done: () => boolean): Promise<number> {
  let dropped = 0;
  for (let round = 0; round < 1_000 && !done(); round++) {
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
    const ids = await openConnections();
    const victim = ids[Math.floor(Math.random() * ids.length)];
    if (victim === undefined || done()) continue;
    try {
      await management.send(new DeleteConnectionCommand({ ConnectionId: victim }));
      dropped++;
    } catch (error) {
      if (!(error instanceof GoneException)) throw error;
    }
  }
  return dropped;
}

describe('the client under connection chaos', () => {
  it('delivers every run exactly its log: no gap, no duplicate, one terminal frame', async () => {
    // Given three clients starting 60 runs of the demo workflows at once
    const tokensMinted = { count: 0 };
    clients.push(...['ann', 'bob', 'cyd'].map((user) => clientFor(user, tokensMinted)));
    const runs = Array.from({ length: RUNS }, (_, i) =>
      startDemo(clients[i % clients.length] as StreamerClient<DemoWorkflows>, i),
    );
    let finished = 0;
    const delivered = runs.map((run) =>
      collect(run.events).finally(() => {
        finished++;
      }),
    );
    // When connections are dropped at random moments until every run has ended
    const dropped = await dropConnectionsUntil(() => finished === RUNS);
    const frames: RunFrame[][] = await Promise.all(delivered);
    const results = await Promise.allSettled(runs.map((run) => run.result as Promise<unknown>));
    for (const client of clients) client.close();

    // Then the chaos was real: connections were dropped and tokens re-minted
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(tokensMinted.count).toBeGreaterThan(clients.length);
    // And every run delivered exactly the frames of its log, in order, and completed
    for (const [i, run] of runs.entries()) {
      const expected = framesForEvents(await harness.log(TENANT, run.id), run.id);
      expect(frames[i]).toEqual(expected);
      const terminal = (frames[i] ?? []).filter((frame) => frame.type !== 'progress');
      expect(terminal.map((frame) => frame.type)).toEqual(['complete']);
      expect(results[i]?.status).toBe('fulfilled');
    }
  });
});
