import { describe, expect, it } from 'vitest';
import { InMemoryConnectionStore, InMemorySubscriptionStore } from '../../src/connections';
import { createWorkflowRegistry } from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { InMemoryRateWindows } from '../../src/flowControl/memory/inMemoryRateWindows';
import { createMessageAdmission } from '../../src/flowControl/messageAdmission';
import { RateLimiter } from '../../src/flowControl/rateLimiter';
import type { ServerFrame } from '../../src/protocol';
import { type RouterDeps, routeMessage } from '../../src/router';
import { InMemoryRequestViewStore } from '../../src/testing';
import { createDemoWorkflows } from '../../src/workflows';

function router(limits: {
  tenantPerSecond: number;
  connectionPerSecond: number;
  startsPerSecond: number;
}) {
  let now = 1_767_225_600_100;
  const clock = () => now;
  const store = new InMemoryEventStore();
  const deps: RouterDeps = {
    registry: createWorkflowRegistry(Object.values(createDemoWorkflows({ speed: 1000 }))),
    store,
    connections: new InMemoryConnectionStore(),
    subscriptions: new InMemorySubscriptionStore(),
    subscriberChanges: new InMemoryRequestViewStore(),
    poster: { post: async () => 'sent' },
    clock,
    newId: () => 'generated',
    admission: createMessageAdmission(
      {
        shared: new RateLimiter({ store: new InMemoryRateWindows(), clock }),
        perInstance: new RateLimiter({ store: new InMemoryRateWindows(), clock }),
      },
      limits,
    ),
  };
  const send = async (tenantId: string, body: unknown, connectionId = `conn-${tenantId}`) =>
    (
      await routeMessage(deps, {
        connectionId,
        identity: { tenantId, userId: 'u', permissions: [] },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    ).frame;
  return { send, store, advance: (ms: number) => (now += ms) };
}

const limited = (frames: ServerFrame[]) =>
  frames.filter((f) => f.type === 'error' && f.error.code === 'RATE_LIMITED');

describe('RATE_LIMITED at the router', () => {
  it('refuses a tenant’s messages past its limit, saying when to retry, while another tenant is served', async () => {
    const r = router({ tenantPerSecond: 20, connectionPerSecond: 0, startsPerSecond: 0 });
    const flood: ServerFrame[] = [];
    for (let i = 0; i < 50; i++) flood.push(await r.send('noisy', { action: 'ping', id: `p${i}` }));
    expect(limited(flood)).toHaveLength(30);
    expect(limited(flood)[0]).toMatchObject({
      type: 'error',
      request_id: 'p20',
      error: {
        code: 'RATE_LIMITED',
        details: { retry_after_ms: 900, scope: 'tenant', limit: 20, window_ms: 1000 },
      },
    });
    expect(await r.send('quiet', { action: 'echo', id: 'e1', payload: 'hi' })).toMatchObject({
      type: 'response',
      success: true,
    });
    r.advance(900);
    expect(await r.send('noisy', { action: 'ping', id: 'again' })).toMatchObject({ type: 'pong' });
  });

  it('weighs an action on a request’s log (status, async starts …) five times a ping', async () => {
    const r = router({ tenantPerSecond: 20, connectionPerSecond: 0, startsPerSecond: 0 });
    const frames: ServerFrame[] = [];
    for (let i = 0; i < 5; i++)
      frames.push(
        await r.send('acme', { action: 'status', id: `s${i}`, payload: { request_id: 'x' } }),
      );
    expect(limited(frames)).toHaveLength(1);
    expect(limited(frames)[0]).toMatchObject({ request_id: 's4' });
    expect(limited(frames)[0]).toMatchObject({
      error: { message: expect.stringContaining("an action on a request's log counts 5") },
    });
    const other = router({ tenantPerSecond: 20, connectionPerSecond: 0, startsPerSecond: 0 });
    const pings: ServerFrame[] = [];
    for (let i = 0; i < 20; i++) pings.push(await other.send('acme', { action: 'ping' }));
    expect(limited(pings)).toHaveLength(0);
  });

  it('limits one connection apart from the others of its tenant', async () => {
    const r = router({ tenantPerSecond: 100, connectionPerSecond: 5, startsPerSecond: 0 });
    const noisy: ServerFrame[] = [];
    for (let i = 0; i < 10; i++) noisy.push(await r.send('acme', { action: 'ping' }, 'conn-noisy'));
    expect(limited(noisy)).toHaveLength(5);
    expect(limited(noisy)[0]).toMatchObject({ error: { details: { scope: 'connection' } } });
    expect(await r.send('acme', { action: 'ping' }, 'conn-calm')).toMatchObject({ type: 'pong' });
  });

  it('counts async starts apart, and a refused start stores nothing', async () => {
    const r = router({ tenantPerSecond: 100, connectionPerSecond: 0, startsPerSecond: 2 });
    const frames: ServerFrame[] = [];
    for (let i = 1; i <= 3; i++)
      frames.push(
        await r.send('acme', { action: 'echo_async', id: `a${i}`, payload: { message: 'x' } }),
      );
    expect(frames.map((f) => f.type)).toEqual(['acknowledgment', 'acknowledgment', 'error']);
    expect(limited(frames)[0]).toMatchObject({
      request_id: 'a3',
      error: { details: { scope: 'starts' } },
    });
    expect(await r.store.read('acme#a3')).toEqual([]);
    expect(
      await r.send('acme', { action: 'status', id: 's', payload: { request_id: 'a1' } }),
    ).toMatchObject({
      type: 'response',
      success: true,
    });
  });

  it('counts a malformed message too', async () => {
    const r = router({ tenantPerSecond: 1, connectionPerSecond: 0, startsPerSecond: 0 });
    expect(await r.send('acme', 'not json')).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    expect(await r.send('acme', 'not json')).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});
