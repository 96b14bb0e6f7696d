import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type StreamerClient } from '../../src/client';
import { type FakeServer, startFakeServer } from './fakeServer';
import { collect, frames } from './scriptedFrames';

let server: FakeServer | undefined;
let client: StreamerClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
});

async function connected() {
  server = await startFakeServer();
  client = createClient({ url: server.url, token: 't', reconnect: { minDelayMs: 5 } });
  return { client, connection: await server.connection(0) };
}

describe('client.call', () => {
  it('resolves with the data of an inline action', async () => {
    const { client, connection } = await connected();
    const call = client.call('echo', { hello: 'world' });
    const sent = await connection.take((m) => m.action === 'echo');
    expect(sent.payload).toEqual({ hello: 'world' });
    connection.send(frames.response(sent.id as string, { echo: { hello: 'world' } }));
    await expect(call).resolves.toEqual({ echo: { hello: 'world' } });
  });

  it('resolves with the result of a durable action once it completes', async () => {
    const { client, connection } = await connected();
    const call = client.call('echo_async', { message: 'm' });
    const sent = await connection.take((m) => m.action === 'echo_async');
    connection.send(frames.ack(sent.id as string));
    connection.send(frames.progress(sent.id as string, 2));
    connection.send(frames.complete(sent.id as string, 3, { echo: 'm' }));
    await expect(call).resolves.toEqual({ echo: 'm' });
  });

  it('waits for a connection when called before one is open', async () => {
    server = await startFakeServer();
    client = createClient({ url: server.url, token: 't' });
    const call = client.call('health');
    const connection = await server.connection(0);
    const sent = await connection.take((m) => m.action === 'health');
    expect(sent).not.toHaveProperty('payload');
    connection.send(frames.response(sent.id as string, { status: 'healthy' }));
    await expect(call).resolves.toEqual({ status: 'healthy' });
  });
});

describe('a run handle', () => {
  it('sends start metadata, signals, status and cancel for its own id', async () => {
    const { client, connection } = await connected();
    const run = client.start(
      'expense_approval',
      { employee: 'ann' },
      { id: 'x1', metadata: { source: 'test' } },
    );
    const start = await connection.take((m) => m.id === 'x1');
    expect(start).toEqual({
      action: 'expense_approval',
      id: 'x1',
      payload: { employee: 'ann' },
      metadata: { source: 'test' },
    });
    connection.send(frames.ack('x1'));

    const signal = run.signal({ type: 'approve', approver: 'bob' });
    const signalMessage = await connection.take((m) => m.action === 'signal');
    expect(signalMessage.payload).toEqual({
      request_id: 'x1',
      event: { type: 'approve', approver: 'bob' },
    });
    const signalled = { request_id: 'x1', signalled: true, event_type: 'approve', seq: 4 };
    connection.send(frames.response(signalMessage.id as string, signalled));
    await expect(signal).resolves.toEqual(signalled);

    const status = run.status();
    const statusMessage = await connection.take((m) => m.action === 'status');
    connection.send(frames.response(statusMessage.id as string, { status: 'PROCESSING' }));
    await expect(status).resolves.toEqual({ status: 'PROCESSING' });

    const cancel = run.cancel();
    const cancelMessage = await connection.take((m) => m.action === 'cancel');
    expect(cancelMessage.payload).toEqual({ request_id: 'x1' });
    connection.send(frames.response(cancelMessage.id as string, { cancelled: true, seq: 6 }));
    await cancel;
    connection.send(frames.failed('x1', 6, 'CANCELLED'));
    await expect(run.result).rejects.toMatchObject({ code: 'CANCELLED', seq: 6 });
  });

  it('stops following when closed: it unsubscribes and its result rejects with CLOSED', async () => {
    const { client, connection } = await connected();
    const run = client.start('bulk_operation', { items: [1] }, { id: 'u1' });
    await connection.take((m) => m.id === 'u1');
    connection.send(frames.ack('u1'));
    connection.send(frames.progress('u1', 2));
    await run.progress[Symbol.asyncIterator]().next();
    run.close();
    const unsubscribe = await connection.take((m) => m.action === 'unsubscribe');
    expect(unsubscribe.payload).toEqual({ request_id: 'u1' });
    await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
    connection.send(frames.progress('u1', 3));
    await expect(collect(run.events)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(run.lastSeq).toBe(2);
  });

  it('an attached run whose end is behind the persisted lastSeq settles from its status', async () => {
    const { client, connection } = await connected();
    const run = client.attach('done-before', { lastSeq: 9 });
    const subscribe = await connection.take((m) => m.action === 'subscribe');
    connection.send(frames.subscribed(subscribe.id as string, 'done-before', 0, 9));
    const status = await connection.take((m) => m.action === 'status');
    connection.send(
      frames.response(status.id as string, { status: 'COMPLETED', result: { n: 1 }, last_seq: 9 }),
    );
    await expect(run.result).resolves.toEqual({ n: 1 });
    expect(await collect(run.events)).toEqual([]);
  });

  it('a NOT_FOUND answer to the subscribe rejects an attached run', async () => {
    const { client, connection } = await connected();
    const run = client.attach('nobody');
    const subscribe = await connection.take((m) => m.action === 'subscribe');
    connection.send(frames.refused(subscribe.id as string, 'NOT_FOUND'));
    await expect(run.result).rejects.toMatchObject({ code: 'NOT_FOUND', requestId: 'nobody' });
  });
});
