import { beforeEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/auth';
import {
  type FramePoster,
  InMemoryConnectionStore,
  InMemorySubscriptionStore,
  newConnectionRecord,
  type SubscriptionStore,
} from '../../src/connections';
import { createWorkflowRegistry } from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { toRequestKey } from '../../src/events/requestKey';
import { PROTOCOL_LIMITS, type ServerFrame } from '../../src/protocol';
import { type RouterDeps, routeMessage } from '../../src/router';
import { createDemoWorkflows } from '../../src/workflows';
import { createApprovalWorkflow } from '../support/approvalWorkflow';

const ann: Identity = { userId: 'ann', tenantId: 'acme', permissions: [] };
const bob: Identity = { userId: 'bob', tenantId: 'globex', permissions: [] };

interface Harness {
  deps: RouterDeps;
  store: InMemoryEventStore;
  subscriptions: InMemorySubscriptionStore;
  connections: InMemoryConnectionStore;
  posted: { connectionId: string; frame: ServerFrame }[];
  calls: string[];
  send(body: unknown, identity?: Identity, connectionId?: string): Promise<ServerFrame>;
}

function createHarness(): Harness {
  const store = new InMemoryEventStore();
  const subscriptions = new InMemorySubscriptionStore();
  const connections = new InMemoryConnectionStore();
  const posted: { connectionId: string; frame: ServerFrame }[] = [];
  const calls: string[] = [];
  let now = 1_767_225_600_000;
  let ids = 0;
  const poster: FramePoster = {
    post: async (connectionId, frame) => {
      posted.push({ connectionId, frame });
      return 'sent';
    },
  };
  const recordingStore = {
    append: store.append.bind(store),
    read: async (...args: Parameters<InMemoryEventStore['read']>) => {
      calls.push(`read:${args[1]?.fromSeq ?? 1}`);
      return store.read(...args);
    },
  };
  const recordingSubscriptions: SubscriptionStore = {
    put: async (record) => {
      calls.push('subscribe');
      return subscriptions.put(record);
    },
    delete: (requestKey, connectionId) => subscriptions.delete(requestKey, connectionId),
    listByRequest: (requestKey) => subscriptions.listByRequest(requestKey),
    deleteByConnection: (connectionId) => subscriptions.deleteByConnection(connectionId),
  };
  const deps: RouterDeps = {
    registry: createWorkflowRegistry([
      ...Object.values(createDemoWorkflows({ speed: 1000 })),
      createApprovalWorkflow(),
    ]),
    store: recordingStore,
    connections,
    subscriptions: recordingSubscriptions,
    subscriberChanges: {
      subscribersChanged: async (requestKey) => {
        calls.push(`announce:${requestKey}`);
      },
    },
    poster,
    clock: () => now++,
    newId: () => `01GENERATED${String(++ids).padStart(4, '0')}`,
  };
  return {
    deps,
    store,
    subscriptions,
    connections,
    posted,
    calls,
    send: async (body, identity = ann, connectionId = 'conn-1') =>
      (
        await routeMessage(deps, {
          connectionId,
          identity,
          body: typeof body === 'string' ? body : JSON.stringify(body),
        })
      ).frame,
  };
}

function withoutTimestamp(frame: ServerFrame): Omit<ServerFrame, 'timestamp'> {
  const { timestamp: _, ...rest } = frame;
  return rest;
}

let h: Harness;
beforeEach(() => {
  h = createHarness();
});

describe('routeMessage: sync actions', () => {
  it('answers echo with a response carrying the payload and the client id', async () => {
    const frame = await h.send({ action: 'echo', id: 'e1', payload: { hello: 'world' } });
    expect(frame).toMatchObject({
      type: 'response',
      request_id: 'e1',
      success: true,
      data: { echo: { hello: 'world' }, action: 'echo', received_at: expect.any(String) },
    });
    expect(h.store.requestKeys()).toEqual([]);
  });

  it('answers health, and generates an id when none is sent', async () => {
    const frame = await h.send({ action: 'health' });
    expect(frame).toMatchObject({
      type: 'response',
      request_id: '01GENERATED0001',
      data: { status: 'healthy' },
    });
  });
});

describe('routeMessage: async actions', () => {
  it('appends request.accepted before acknowledging, keyed by tenant', async () => {
    const frame = await h.send({
      action: 'echo_async',
      request_id: 'r1',
      payload: { message: 'hi' },
      metadata: { source: 'test', debug: true },
    });
    expect(frame).toMatchObject({ type: 'acknowledgment', request_id: 'r1', status: 'queued' });
    const [accepted] = await h.store.read(toRequestKey('acme', 'r1'));
    expect(accepted).toMatchObject({
      seq: 1,
      type: 'request.accepted',
      tenantId: 'acme',
      userId: 'ann',
      data: {
        action: 'echo_async',
        clientRequestId: 'r1',
        connectionId: 'conn-1',
        metadata: { source: 'test' },
      },
    });
  });

  it('generates an id for an async action sent without one', async () => {
    const frame = await h.send({ action: 'echo_async', payload: { message: 'hi' } });
    expect(frame).toMatchObject({ type: 'acknowledgment', request_id: '01GENERATED0001' });
    expect(h.store.requestKeys()).toEqual(['acme#01GENERATED0001']);
  });

  it('starts one request for an id sent twice, and says so', async () => {
    await h.send({ action: 'echo_async', id: 'r1', payload: { message: 'first' } });
    const again = await h.send({ action: 'echo_async', id: 'r1', payload: { message: 'second' } });
    expect(again).toMatchObject({ type: 'acknowledgment', request_id: 'r1', duplicate: true });
    const log = await h.store.read(toRequestKey('acme', 'r1'));
    expect(log).toHaveLength(1);
    expect(log[0]?.data).toMatchObject({ input: { message: 'first' } });
  });

  it('lets two tenants use the same id without seeing each other', async () => {
    await h.send({ action: 'echo_async', id: 'same', payload: { message: 'a' } }, ann);
    const other = await h.send(
      { action: 'echo_async', id: 'same', payload: { message: 'b' } },
      bob,
    );
    expect(other).not.toHaveProperty('duplicate');
    expect(h.store.requestKeys().sort()).toEqual(['acme#same', 'globex#same']);
  });

  it('rejects wrong payload types with readable issues and writes nothing', async () => {
    const frame = await h.send({ action: 'echo_async', id: 'r1', payload: { message: 42 } });
    expect(frame).toMatchObject({
      type: 'error',
      request_id: 'r1',
      error: {
        code: 'VALIDATION_ERROR',
        details: { issues: [expect.objectContaining({ path: 'message' })] },
      },
    });
    expect(h.store.requestKeys()).toEqual([]);
  });
});

describe('routeMessage: malformed input', () => {
  it.each([
    ['invalid JSON', '{"action":"echo"', 'VALIDATION_ERROR', undefined],
    ['a non-object', '["echo"]', 'VALIDATION_ERROR', undefined],
    ['a missing action', { id: 'm1', payload: {} }, 'VALIDATION_ERROR', 'm1'],
    ['an unknown action', { action: 'launch_rockets', id: 'm2' }, 'INVALID_ACTION', 'm2'],
    [
      'a __proto__ payload',
      '{"action":"echo_async","id":"m3","payload":{"__proto__":{"admin":true}}}',
      'VALIDATION_ERROR',
      'm3',
    ],
    [
      'deep nesting',
      `{"action":"echo_async","payload":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`,
      'VALIDATION_ERROR',
      undefined,
    ],
    [
      'an oversize message',
      { action: 'echo_async', payload: { message: 'x'.repeat(PROTOCOL_LIMITS.maxMessageBytes) } },
      'PAYLOAD_TOO_LARGE',
      undefined,
    ],
    ['an empty body', '', 'VALIDATION_ERROR', undefined],
  ])(
    'answers %s with the right error frame and writes nothing',
    async (_, body, code, requestKey) => {
      const frame = await h.send(body);
      expect(frame).toMatchObject({ type: 'error', error: { code } });
      expect(frame.type === 'error' ? frame.request_id : 'not an error').toBe(requestKey);
      expect(h.store.requestKeys()).toEqual([]);
    },
  );
});

describe('routeMessage: engine actions', () => {
  beforeEach(async () => {
    await h.send({ action: 'echo_async', id: 'r1', payload: { message: 'hi' } });
  });

  it('answers status from the fold of the log, with the message id', async () => {
    const frame = await h.send({ action: 'status', id: 'm1', payload: { request_id: 'r1' } });
    expect(frame).toMatchObject({
      type: 'response',
      request_id: 'm1',
      success: true,
      data: { request_id: 'r1', action: 'echo_async', status: 'PENDING', progress: 0, last_seq: 1 },
    });
  });

  it.each(['status', 'subscribe', 'cancel', 'signal'])(
    'answers %s for another tenant exactly as for a missing id, and writes nothing',
    async (action) => {
      const payload = (id: string) => ({
        request_id: id,
        ...(action === 'signal' && { event: { type: 'APPROVE' } }),
      });
      const foreign = await h.send({ action, id: 'm1', payload: payload('r1') }, bob, 'conn-bob');
      const missing = await h.send({ action, id: 'm1', payload: payload('nope') }, bob, 'conn-bob');
      expect(withoutTimestamp(foreign)).toEqual({
        type: 'error',
        request_id: 'm1',
        error: { code: 'NOT_FOUND', message: 'Request r1 was not found' },
      });
      expect(withoutTimestamp(missing)).toEqual({
        type: 'error',
        request_id: 'm1',
        error: { code: 'NOT_FOUND', message: 'Request nope was not found' },
      });
      expect(await h.store.read(toRequestKey('acme', 'r1'))).toHaveLength(1);
      expect(await h.subscriptions.listByRequest(toRequestKey('acme', 'r1'))).toEqual([]);
      expect(h.posted).toEqual([]);
    },
  );

  it('subscribes first, then replays every frame after last_seq through the poster', async () => {
    const key = toRequestKey('acme', 'r1');
    await h.store.append(key, 1, [
      {
        type: 'step.progress',
        at: 10,
        tenantId: 'acme',
        userId: 'ann',
        data: { stepId: 's', percentage: 40, message: 'a' },
      },
      {
        type: 'step.progress',
        at: 11,
        tenantId: 'acme',
        userId: 'ann',
        data: { stepId: 's', percentage: 80, message: 'b' },
      },
      {
        type: 'request.completed',
        at: 12,
        tenantId: 'acme',
        userId: 'ann',
        data: { output: { ok: true } },
      },
    ]);
    h.calls.length = 0;
    const frame = await h.send(
      { action: 'subscribe', id: 'm1', payload: { request_id: 'r1', last_seq: 2 } },
      ann,
      'conn-2',
    );
    expect(h.calls).toEqual(['read:1', 'subscribe', 'announce:acme#r1', 'read:3']);
    expect(
      h.posted.map(({ connectionId, frame }) => [
        connectionId,
        frame.type,
        'seq' in frame && frame.seq,
      ]),
    ).toEqual([
      ['conn-2', 'progress', 3],
      ['conn-2', 'complete', 4],
    ]);
    expect(frame).toMatchObject({
      type: 'response',
      request_id: 'm1',
      data: { subscribed: true, replayed: 2, last_seq: 4 },
    });
    expect(await h.subscriptions.listByRequest(key)).toMatchObject([
      { connectionId: 'conn-2', requestId: 'r1' },
    ]);
  });

  it('answers the log end, not the echoed last_seq, when last_seq is past the end', async () => {
    const frame = await h.send(
      { action: 'subscribe', id: 'm1', payload: { request_id: 'r1', last_seq: 99 } },
      ann,
      'conn-2',
    );
    expect(frame).toMatchObject({
      type: 'response',
      request_id: 'm1',
      data: { request_id: 'r1', subscribed: true, replayed: 0, last_seq: 1 },
    });
    expect(h.posted).toEqual([]);
  });

  it('answers the log end when subscribing without last_seq: live frames follow after it', async () => {
    const key = toRequestKey('acme', 'r1');
    await h.store.append(key, 1, [
      {
        type: 'step.progress',
        at: 10,
        tenantId: 'acme',
        userId: 'ann',
        data: { stepId: 's', percentage: 40, message: 'a' },
      },
    ]);
    const frame = await h.send({ action: 'subscribe', id: 'm1', payload: { request_id: 'r1' } });
    expect(frame).toMatchObject({ data: { subscribed: true, replayed: 0, last_seq: 2 } });
    expect(h.posted).toEqual([]);
  });

  it('subscribes without catch-up when no last_seq is given, and unsubscribes; each change is announced to the projectors', async () => {
    h.calls.length = 0;
    await h.send({ action: 'subscribe', id: 'm1', payload: { request_id: 'r1' } });
    expect(h.posted).toEqual([]);
    const off = await h.send({ action: 'unsubscribe', id: 'm2', payload: { request_id: 'r1' } });
    expect(off).toMatchObject({ type: 'response', request_id: 'm2', data: { subscribed: false } });
    expect(h.calls.filter((call) => call.startsWith('announce'))).toEqual([
      'announce:acme#r1',
      'announce:acme#r1',
    ]);
    expect(
      await h.send({ action: 'unsubscribe', id: 'm3', payload: { request_id: 'r1' } }),
    ).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
  });

  it('cancels a running request once; a second cancel is refused', async () => {
    const frame = await h.send({
      action: 'cancel',
      id: 'm1',
      payload: { request_id: 'r1', reason: 'changed my mind' },
    });
    expect(frame).toMatchObject({
      type: 'response',
      request_id: 'm1',
      data: { cancelled: true, seq: 2 },
    });
    expect((await h.store.read(toRequestKey('acme', 'r1'))).at(-1)).toMatchObject({
      type: 'request.cancelled',
      data: { reason: 'changed my mind' },
    });
    const again = await h.send({ action: 'cancel', id: 'm2', payload: { request_id: 'r1' } });
    expect(again).toMatchObject({
      type: 'error',
      request_id: 'm2',
      error: { code: 'VALIDATION_ERROR' },
    });
  });

  it('delivers a signal the waiting workflow accepts and refuses one it does not', async () => {
    await h.send({ action: 'approval', id: 'a1', payload: { subject: 'budget' } });
    const refused = await h.send({
      action: 'signal',
      id: 'm1',
      payload: { request_id: 'a1', event: { type: 'SHRUG' } },
    });
    expect(refused).toMatchObject({
      type: 'error',
      request_id: 'm1',
      error: { code: 'VALIDATION_ERROR' },
    });
    const accepted = await h.send({
      action: 'signal',
      id: 'm2',
      payload: { request_id: 'a1', event: { type: 'APPROVE', by: 'ann' } },
    });
    expect(accepted).toMatchObject({
      type: 'response',
      request_id: 'm2',
      data: { signalled: true, seq: 2 },
    });
    expect((await h.store.read(toRequestKey('acme', 'a1'))).at(-1)).toMatchObject({
      type: 'request.signalled',
      data: { event: { type: 'APPROVE', by: 'ann' } },
    });
  });

  it('answers ping with pong and records the ping on the connection', async () => {
    await h.connections.put(
      newConnectionRecord({
        connectionId: 'conn-1',
        userId: 'ann',
        tenantId: 'acme',
        endpoint: 'x',
        connectedAt: 0,
      }),
    );
    expect(await h.send({ action: 'ping' })).toMatchObject({
      type: 'pong',
      timestamp: expect.any(Number),
    });
    expect((await h.connections.get('conn-1'))?.lastPing).toBeGreaterThan(0);
  });

  it('answers a bad engine payload with VALIDATION_ERROR and the message id', async () => {
    expect(await h.send({ action: 'status', id: 'm1', payload: {} })).toMatchObject({
      type: 'error',
      request_id: 'm1',
      error: { code: 'VALIDATION_ERROR' },
    });
  });
});

describe('routeMessage: internal failures', () => {
  it('answers INTERNAL_ERROR without details when the store fails', async () => {
    h.deps = {
      ...h.deps,
      store: { append: async () => Promise.reject(new Error('db down')), read: async () => [] },
    };
    const outcome = await routeMessage(h.deps, {
      connectionId: 'c',
      identity: ann,
      body: JSON.stringify({ action: 'echo_async', id: 'r1', payload: { message: 'x' } }),
    });
    expect(outcome.frame).toMatchObject({
      type: 'error',
      request_id: 'r1',
      error: { code: 'INTERNAL_ERROR', message: 'Internal error' },
    });
    expect(outcome.internal).toBe(true);
  });
});
