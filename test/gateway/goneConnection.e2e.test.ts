import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ManagementApiFramePoster,
  newConnectionRecord,
  newSubscriptionRecord,
} from '../../src/connections';
import { LOCAL_AWS } from '../../src/local/localAws';
import { pongFrame } from '../../src/protocol';
import { type GatewayHarness, startGatewayHarness } from '../support/gatewayHarness';

describe('posting to a connection that has closed', () => {
  let harness: GatewayHarness;
  let poster: ManagementApiFramePoster;

  beforeAll(async () => {
    harness = await startGatewayHarness({ label: 'gone' });
    poster = new ManagementApiFramePoster({
      client: new ApiGatewayManagementApiClient({
        endpoint: harness.gateway.managementEndpoint,
        ...LOCAL_AWS,
        maxAttempts: 1,
      }),
      connections: harness.connections,
      subscriptions: harness.subscriptions,
    });
  });
  afterAll(() => harness.close());

  it('delivers to an open connection through the real Management API', async () => {
    const client = await harness.connect();
    expect(await poster.post(client.connectionId, pongFrame(42))).toBe('sent');
    await client.waitFor((frame) => frame.type === 'pong' && frame.timestamp === 42);
  });

  it('gets 410 for a closed connection, deletes its record and subscriptions, and carries on', async () => {
    const client = await harness.connect({ claims: { tenant_id: 'acme' } });
    const { connectionId } = client;
    await client.close();
    await expect.poll(() => harness.connections.get(connectionId)).toBeUndefined();
    // $disconnect is best-effort in API Gateway: put back the record (and a
    // subscription) it would have left behind had it been missed.
    await harness.connections.put(
      newConnectionRecord({
        connectionId,
        userId: 'user-1',
        tenantId: 'acme',
        endpoint: harness.gateway.managementEndpoint,
        connectedAt: Date.now(),
      }),
    );
    await harness.subscriptions.put(
      newSubscriptionRecord({
        requestKey: 'acme#r1',
        connectionId,
        tenantId: 'acme',
        userId: 'user-1',
        requestId: 'r1',
        subscribedAt: Date.now(),
      }),
    );

    await expect(poster.post(connectionId, pongFrame(1))).resolves.toBe('gone');

    expect(await harness.connections.get(connectionId)).toBeUndefined();
    expect(await harness.subscriptions.listByRequest('acme#r1')).toEqual([]);
  });
});
