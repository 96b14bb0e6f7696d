import { afterEach, describe, expect, it } from 'vitest';
import { createClient, DEFAULT_RECONNECT_POLICY, type StreamerClient } from '../../src/client';
import { reconnectDelayMs } from '../../src/client/backoff';
import { type FakeServer, startFakeServer } from './fakeServer';
import { collect, frames, seqs } from './scriptedFrames';

const FAST = { minDelayMs: 5, maxDelayMs: 20, minUptimeMs: 1_000 };
let server: FakeServer | undefined;
let client: StreamerClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setUp(token: string | (() => string | Promise<string>) = 'token-1') {
  server = await startFakeServer();
  client = createClient({ url: server.url, token, reconnect: FAST });
  return { server, client };
}

describe('a run followed across a dropped connection', () => {
  it('re-subscribes from the last seq it delivered and misses nothing', async () => {
    // Given a started run that has delivered frames up to seq 3
    const { server, client } = await setUp();
    const run = client.start('echo_async', { message: 'hi' }, { id: 'r1' });
    const first = await server.connection(0);
    expect(await first.take((m) => m.action === 'echo_async')).toMatchObject({
      id: 'r1',
      payload: { message: 'hi' },
    });
    first.send(frames.ack('r1'));
    first.send(frames.progress('r1', 2));
    first.send(frames.progress('r1', 3));
    // When the server drops the connection
    first.drop(1001);
    // Then the client reconnects and subscribes from seq 3
    const second = await server.connection(1);
    const subscribe = await second.take((m) => m.action === 'subscribe');
    expect(subscribe.payload).toEqual({ request_id: 'r1', last_seq: 3 });
    second.send(frames.progress('r1', 5));
    second.send(frames.subscribed(subscribe.id as string, 'r1', 1, 5));
    second.send(frames.complete('r1', 7));
    // And every frame arrives once, in order, with the result
    expect(seqs(await collect(run.events))).toEqual([2, 3, 5, 7]);
    await expect(run.result).resolves.toEqual({ done: true });
    expect(run.lastSeq).toBe(7);
  });

  it('sends an unacknowledged start again with the same id, and follows the run it started', async () => {
    // Given a start whose acknowledgment was lost with the connection
    const { server, client } = await setUp();
    const run = client.start('generate_report', {}, { id: 'r2' });
    const first = await server.connection(0);
    await first.take((m) => m.action === 'generate_report');
    first.drop();
    // When the client is back, the start goes out again with the same id
    const second = await server.connection(1);
    const again = await second.take((m) => m.action === 'generate_report');
    expect(again.id).toBe('r2');
    // And on the server's "duplicate" answer it subscribes from the beginning
    second.send(frames.ack('r2', true));
    const subscribe = await second.take((m) => m.action === 'subscribe');
    expect(subscribe.payload).toEqual({ request_id: 'r2', last_seq: 0 });
    second.send(frames.progress('r2', 2));
    second.send(frames.complete('r2', 4, { url: 'x' }));
    second.send(frames.subscribed(subscribe.id as string, 'r2', 2, 4));
    await expect(run.result).resolves.toEqual({ url: 'x' });
    expect(seqs(await collect(run.events))).toEqual([2, 4]);
  });

  it('re-subscribes every open run after each of several drops', async () => {
    const { server, client } = await setUp();
    const runs = ['a', 'b', 'c'].map((id) => client.start('echo_async', { message: id }, { id }));
    let connection = await server.connection(0);
    for (const id of ['a', 'b', 'c']) {
      await connection.take((m) => m.id === id);
      connection.send(frames.ack(id));
      connection.send(frames.progress(id, 2));
    }
    for (let drop = 1; drop <= 3; drop++) {
      connection.drop();
      connection = await server.connection(drop);
      for (const id of ['a', 'b', 'c']) {
        const subscribe = await connection.take(
          (m) => m.action === 'subscribe' && m.payload?.request_id === id,
        );
        expect(subscribe.payload?.last_seq).toBe(drop + 1);
        connection.send(frames.progress(id, drop + 2));
        connection.send(frames.subscribed(subscribe.id as string, id, 1, drop + 2));
      }
    }
    for (const id of ['a', 'b', 'c']) connection.send(frames.complete(id, 9));
    for (const run of runs) expect(seqs(await collect(run.events))).toEqual([2, 3, 4, 5, 9]);
  });

  it('attaches to a run started elsewhere from the lastSeq the page persisted', async () => {
    const { server, client } = await setUp();
    const run = client.attach('elsewhere', { lastSeq: 4 });
    const connection = await server.connection(0);
    const subscribe = await connection.take((m) => m.action === 'subscribe');
    expect(subscribe.payload).toEqual({ request_id: 'elsewhere', last_seq: 4 });
    connection.send(frames.progress('elsewhere', 6));
    connection.send(frames.subscribed(subscribe.id as string, 'elsewhere', 1, 6));
    connection.send(frames.complete('elsewhere', 8));
    expect(seqs(await collect(run.events))).toEqual([6, 8]);
    expect(client.attach('other')).not.toBe(run);
  });
});

describe('the token', () => {
  it('is asked for again before every connection, so a refreshed token is used', async () => {
    // Given a token function that hands out a new token each time
    let issued = 0;
    const { server, client } = await setUp(async () => `token-${++issued}`);
    client.start('echo_async', { message: 'x' }, { id: 't1' });
    const first = await server.connection(0);
    // When the connection drops twice
    first.drop();
    (await server.connection(1)).drop();
    const third = await server.connection(2);
    // Then each connection carried the token of its own attempt
    expect([first.token, server.connections[1]?.token, third.token]).toEqual([
      'token-1',
      'token-2',
      'token-3',
    ]);
  });

  it('is refreshed when the server refuses an expired one', async () => {
    server = await startFakeServer({ accepts: (token) => token !== 'expired' });
    const tokens = ['expired', 'fresh'];
    client = createClient({
      url: server.url,
      token: () => tokens.shift() ?? 'fresh',
      reconnect: FAST,
    });
    const connection = await server.connection(0);
    expect(server.handshakeTokens.slice(0, 2)).toEqual(['expired', 'fresh']);
    expect(connection.token).toBe('fresh');
  });
});

describe('the wait between reconnection attempts', () => {
  const policy = { ...DEFAULT_RECONNECT_POLICY, minDelayMs: 500, maxDelayMs: 8_000, factor: 2 };

  it('is none for the first connection, then grows per failed attempt up to the cap', () => {
    const top = () => 1; // the ceiling itself
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelayMs(n, policy, top))).toEqual([
      0, 500, 1_000, 2_000, 4_000, 8_000, 8_000,
    ]);
  });

  it('is jittered in the upper half of its ceiling, so clients dropped together spread out', () => {
    const waits = [0, 0.25, 0.5, 0.999].map((r) => reconnectDelayMs(3, policy, () => r));
    expect(new Set(waits).size).toBe(4);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(1_000);
      expect(wait).toBeLessThanOrEqual(2_000);
    }
  });
});
