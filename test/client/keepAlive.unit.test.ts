import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type StreamerClient } from '../../src/client';
import { type FakeServer, startFakeServer } from './fakeServer';

// Minutes and hours pass on a fake clock; sockets stay real, so between
// clock steps the event loop gets real turns (setImmediate is not faked).
const MINUTE = 60_000;
let server: FakeServer | undefined;
let client: StreamerClient | undefined;

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
});
afterEach(async () => {
  client?.close();
  await server?.close();
  vi.useRealTimers();
});

const realTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Lets `ms` of fake time pass in small steps, with real I/O in between. */
async function pass(ms: number, step = 1_000): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - elapsed));
    for (let i = 0; i < 3; i++) await realTurn();
  }
}

/** Waits for `promise`, stepping the fake clock a little meanwhile (partysocket connects on a timer). */
async function settled<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  for (let i = 0; i < 2_000 && !done; i++) await pass(10, 10);
  return watched;
}

/** Waits (stepping the fake clock a little) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await pass(10, 10);
  expect(condition()).toBe(true);
}

describe('keep-alive under API Gateway limits', () => {
  it('pings before the 10-minute idle limit, so a quiet client keeps its connection for hours', async () => {
    // Given a server that closes connections idle for 10 minutes
    server = await startFakeServer({ idleTimeoutMs: 10 * MINUTE });
    client = createClient({ url: server.url, token: 't' });
    const connection = await settled(server.connection(0));
    // When an hour passes without the application sending anything
    await pass(60 * MINUTE, 10_000);
    // Then the client is still on its first connection, and has been pinging
    expect(server.connections).toHaveLength(1);
    expect(client.connected).toBe(true);
    expect(connection.messages.filter((m) => m.action === 'ping').length).toBeGreaterThanOrEqual(6);
  });

  it('follows the configured ping interval', async () => {
    server = await startFakeServer();
    client = createClient({ url: server.url, token: 't', pingIntervalMs: MINUTE });
    const connection = await settled(server.connection(0));
    await pass(10 * MINUTE + 1_000, 5_000);
    expect(connection.messages.filter((m) => m.action === 'ping')).toHaveLength(10);
  });

  it('reconnects when a ping gets no answer (a half-open connection)', async () => {
    server = await startFakeServer({ answerPings: false });
    client = createClient({
      url: server.url,
      token: 't',
      pingIntervalMs: MINUTE,
      pongTimeoutMs: 10_000,
    });
    const first = await settled(server.connection(0));
    await pass(MINUTE + 11_000);
    await until(() => server?.connections.length === 2);
    expect((await settled(first.closed)).by).toBe('client');
  });

  it('reconnects on its own before the 2-hour connection limit', async () => {
    // Given a server that cuts every connection at 2 hours
    server = await startFakeServer({ maxConnectionMs: 120 * MINUTE });
    client = createClient({ url: server.url, token: 't' });
    const first = await settled(server.connection(0));
    // When five hours pass
    await pass(300 * MINUTE, 30_000);
    // Then the client replaced its connections itself, and the server never had to cut one
    expect(server.connections.length).toBeGreaterThanOrEqual(3);
    expect((await settled(first.closed)).by).toBe('client');
    for (const connection of server.connections.slice(0, -1)) {
      expect((await settled(connection.closed)).by).toBe('client');
    }
    expect(client.connected).toBe(true);
  });
});
