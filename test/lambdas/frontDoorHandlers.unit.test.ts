import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth';
import {
  InMemoryConnectionStore,
  InMemorySubscriptionStore,
  newSubscriptionRecord,
} from '../../src/connections';
import { createWorkflowRegistry, type EngineLogger } from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { createAuthorizerHandler } from '../../src/lambdas/authorizer';
import { createConnectHandler } from '../../src/lambdas/connect';
import { createDisconnectHandler } from '../../src/lambdas/disconnect';
import { createRouterHandler } from '../../src/lambdas/routerHandler';
import type { Telemetry } from '../../src/lambdas/telemetry';
import { InMemoryRequestViewStore } from '../../src/testing';
import { createDemoWorkflows } from '../../src/workflows';
import { createTestIssuer } from '../support/tokens';
import { authorizerEvent, routeEvent } from './frontDoorEvents';

function recorder() {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const metrics: string[] = [];
  const log =
    (level: string) =>
    (message: string, attributes: Readonly<Record<string, unknown>> = {}) =>
      lines.push({ level, message, attributes: { ...attributes } });
  const logger: EngineLogger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const telemetry: Telemetry = {
    logger,
    metrics: { addMetric: (name) => metrics.push(name), publishStoredMetrics: () => undefined },
  };
  return { lines, metrics, telemetry };
}

describe('authorizer handler', () => {
  it('returns Allow on the exact methodArn with a flat context, and logs who without the token', async () => {
    const issuer = await createTestIssuer();
    const { lines, metrics, telemetry } = recorder();
    const handler = createAuthorizerHandler({
      verify: createTokenVerifier({ keys: { publicKeyPem: issuer.publicKeyPem } }),
      telemetry,
    });
    const token = await issuer.mint({ sub: 'ann', tenant_id: 'acme' });
    const result = await handler(authorizerEvent({ query: token }));
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: authorizerEvent().methodArn },
    ]);
    expect(result.context).toEqual({ userId: 'ann', tenantId: 'acme', permissions: '[]' });
    expect(lines[0]?.attributes).toMatchObject({
      connection_id: 'L0SM9cOFvHcCIhw=',
      user_id: 'ann',
      tenant_id: 'acme',
      status: 'Allow',
      duration_ms: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain(token);
    expect(metrics).toEqual(['ConnectAllowed']);
  });

  it('throws Unauthorized (API Gateway answers 401) for a missing or bad token', async () => {
    const issuer = await createTestIssuer();
    const { telemetry } = recorder();
    const handler = createAuthorizerHandler({
      verify: createTokenVerifier({ keys: { publicKeyPem: issuer.publicKeyPem } }),
      telemetry,
    });
    await expect(handler(authorizerEvent())).rejects.toThrow('Unauthorized');
    await expect(
      handler(authorizerEvent({ header: `Bearer ${issuer.mintUnsigned()}` })),
    ).rejects.toThrow('Unauthorized');
  });
});

describe('connect and disconnect handlers', () => {
  it('stores the connection with the authorizer identity and the API endpoint, then removes it and its subscriptions', async () => {
    const connections = new InMemoryConnectionStore();
    const subscriptions = new InMemorySubscriptionStore();
    const deps = { connections, subscriptions, clock: () => 1_767_225_600_000 };
    const { lines, telemetry } = recorder();
    const connect = createConnectHandler({ ...deps, telemetry });
    expect(await connect(routeEvent('$connect'))).toEqual({ statusCode: 200 });
    expect(await connections.get('L0SM9cOFvHcCIhw=')).toMatchObject({
      userId: 'ann',
      tenantId: 'acme',
      endpoint: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod',
      connectedAt: 1_767_225_600_000,
      ttl: 1_767_225_600 + 24 * 3600,
      metadata: { sourceIp: '203.0.113.9', userAgent: 'test-agent' },
    });
    expect(lines[0]?.attributes).toMatchObject({
      connection_id: 'L0SM9cOFvHcCIhw=',
      user_id: 'ann',
      tenant_id: 'acme',
    });

    await subscriptions.put(
      newSubscriptionRecord({
        requestKey: 'acme#r1',
        connectionId: 'L0SM9cOFvHcCIhw=',
        tenantId: 'acme',
        userId: 'ann',
        requestId: 'r1',
        subscribedAt: 0,
      }),
    );
    const disconnect = createDisconnectHandler({ ...deps, telemetry });
    expect(await disconnect(routeEvent('$disconnect'))).toEqual({ statusCode: 200 });
    expect(await connections.get('L0SM9cOFvHcCIhw=')).toBeUndefined();
    expect(await subscriptions.listByRequest('acme#r1')).toEqual([]);
  });

  it('refuses a $connect that carries no authorizer identity (fails closed)', async () => {
    const connections = new InMemoryConnectionStore();
    const connect = createConnectHandler({
      connections,
      subscriptions: new InMemorySubscriptionStore(),
      clock: () => 0,
      telemetry: recorder().telemetry,
    });
    expect(await connect(routeEvent('$connect', { authorizer: null }))).toEqual({
      statusCode: 401,
    });
    expect(await connections.get('L0SM9cOFvHcCIhw=')).toBeUndefined();
  });
});

describe('router handler', () => {
  function routerHandler() {
    const store = new InMemoryEventStore();
    const registry = createWorkflowRegistry(Object.values(createDemoWorkflows({ speed: 1000 })));
    const rec = recorder();
    const handler = createRouterHandler({
      router: {
        registry,
        store,
        connections: new InMemoryConnectionStore(),
        subscriptions: new InMemorySubscriptionStore(),
        subscriberChanges: new InMemoryRequestViewStore(),
        poster: { post: async () => 'sent' },
        clock: () => 1_767_225_600_000,
        newId: () => 'generated',
      },
      telemetry: rec.telemetry,
    });
    return { handler, store, ...rec };
  }

  it('returns the reply frame as the route response body and logs the routing facts', async () => {
    const { handler, lines, metrics } = routerHandler();
    const result = await handler(
      routeEvent('$default', { body: '{"action":"echo","id":"e1","payload":1}' }),
    );
    expect(result).toMatchObject({ statusCode: 200 });
    const body = JSON.parse((result as { body: string }).body);
    expect(body).toMatchObject({
      type: 'response',
      request_id: 'e1',
      success: true,
      data: { echo: 1 },
    });
    expect(lines.at(-1)?.attributes).toMatchObject({
      connection_id: 'L0SM9cOFvHcCIhw=',
      user_id: 'ann',
      tenant_id: 'acme',
      action: 'echo',
      request_id: 'e1',
      status: 'OK',
      duration_ms: expect.any(Number),
    });
    expect(metrics).toEqual(['MessagesRouted']);
  });

  it('takes the tenant from the authorizer context, never from the message', async () => {
    const { handler, store } = routerHandler();
    await handler(
      routeEvent('$default', {
        body: JSON.stringify({
          action: 'echo_async',
          id: 'r1',
          tenant_id: 'globex',
          payload: { message: 'x', tenantId: 'globex' },
        }),
      }),
    );
    expect(store.requestKeys()).toEqual(['acme#r1']);
  });

  it('answers UNAUTHORIZED when the event has no authorizer context', async () => {
    const { handler, store, lines } = routerHandler();
    const result = await handler(
      routeEvent('$default', {
        body: '{"action":"echo_async","payload":{"message":"x"}}',
        authorizer: null,
      }),
    );
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({
      type: 'error',
      error: { code: 'UNAUTHORIZED' },
    });
    expect(store.requestKeys()).toEqual([]);
    expect(lines.at(-1)?.level).toBe('error');
  });

  it('decodes a base64 (binary) message body', async () => {
    const { handler } = routerHandler();
    const body = Buffer.from('{"action":"echo","id":"b1","payload":"bin"}').toString('base64');
    const result = await handler({ ...routeEvent('$default', { body }), isBase64Encoded: true });
    expect(JSON.parse((result as { body: string }).body)).toMatchObject({
      request_id: 'b1',
      data: { echo: 'bin' },
    });
  });
});
