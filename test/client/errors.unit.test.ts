import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type StreamerClient, StreamerError } from '../../src/client';
import { ERROR_CODES } from '../../src/protocol';
import { type FakeServer, startFakeServer } from './fakeServer';
import { collect, frames, seqs } from './scriptedFrames';

let server: FakeServer | undefined;
let client: StreamerClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
});

async function connected(options: { followRedrives?: boolean; replyTimeoutMs?: number } = {}) {
  server = await startFakeServer();
  client = createClient({ url: server.url, token: 't', reconnect: { minDelayMs: 5 }, ...options });
  return { client, connection: await server.connection(0) };
}

async function rejection(promise: Promise<unknown>): Promise<StreamerError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(StreamerError);
  return error as StreamerError;
}

describe.each(ERROR_CODES)('the error code %s', (code) => {
  it('rejects a call refused with an error frame, with the code, id and details', async () => {
    const { client, connection } = await connected();
    const call = client.call('echo', { hi: 1 });
    const sent = await connection.take((m) => m.action === 'echo');
    connection.send(frames.refused(sent.id as string, code));
    const error = await rejection(call);
    expect(error).toMatchObject({ code, requestId: sent.id, details: { why: code } });
    expect(error.message).toBe(`${code} refused`);
  });

  it('rejects a call answered by a failed response', async () => {
    const { client, connection } = await connected();
    const call = client.call('echo');
    const sent = await connection.take((m) => m.action === 'echo');
    connection.send(frames.failedResponse(sent.id as string, code));
    expect(await rejection(call)).toMatchObject({ code, requestId: sent.id });
  });

  it("rejects a run's result on its terminal error frame, with the seq", async () => {
    const { client, connection } = await connected();
    const run = client.start('process_data', { dataset_id: 'd' }, { id: `run-${code}` });
    await connection.take((m) => m.id === run.id);
    connection.send(frames.ack(run.id));
    connection.send(frames.failed(run.id, 4, code));
    expect(await rejection(run.result)).toMatchObject({ code, requestId: run.id, seq: 4 });
    expect(seqs(await collect(run.events))).toEqual([4]);
  });

  it('rejects an engine action (cancel) refused with it', async () => {
    const { client, connection } = await connected();
    const run = client.attach('r-1');
    const subscribe = await connection.take((m) => m.action === 'subscribe');
    connection.send(frames.subscribed(subscribe.id as string, 'r-1', 0, 1));
    const cancel = run.cancel('enough');
    const sent = await connection.take((m) => m.action === 'cancel');
    expect(sent.payload).toEqual({ request_id: 'r-1', reason: 'enough' });
    connection.send(frames.refused(sent.id as string, code));
    expect(await rejection(cancel)).toMatchObject({ code, requestId: sent.id });
  });
});

describe('failures of the client itself', () => {
  it('rejects a call with DISCONNECTED when the connection drops before the reply', async () => {
    const { client, connection } = await connected();
    const call = client.call('echo', 'x');
    await connection.take((m) => m.action === 'echo');
    connection.drop();
    expect(await rejection(call)).toMatchObject({ code: 'DISCONNECTED' });
    // and does not send it again
    const next = await server?.connection(1);
    expect(next?.messages.filter((m) => m.action === 'echo')).toEqual([]);
  });

  it('rejects with NO_REPLY when the reply does not come in time', async () => {
    const { client, connection } = await connected({ replyTimeoutMs: 30 });
    const status = client.attach('quiet', { lastSeq: 3 }).status();
    await connection.take((m) => m.action === 'status');
    expect(await rejection(status)).toMatchObject({ code: 'NO_REPLY' });
  });

  it('rejects what is unsettled with CLOSED when the client closes, and ends the iterators with it', async () => {
    const { client, connection } = await connected();
    const run = client.start('echo_async', { message: 'x' }, { id: 'c1' });
    await connection.take((m) => m.id === 'c1');
    connection.send(frames.ack('c1'));
    connection.send(frames.progress('c1', 2));
    await run.progress[Symbol.asyncIterator]().next();
    client.close();
    expect(await rejection(run.result)).toMatchObject({ code: 'CLOSED', requestId: 'c1' });
    expect(await rejection(collect(run.events))).toMatchObject({ code: 'CLOSED' });
    expect(() => client.start('echo_async', { message: 'y' })).toThrow(StreamerError);
  });

  it('refuses to follow the same run id twice', async () => {
    const { client } = await connected();
    client.start('echo_async', { message: 'x' }, { id: 'twice' });
    expect(() => client.start('echo_async', { message: 'x' }, { id: 'twice' })).toThrow(
      /already followed/,
    );
  });
});

describe('a dead-lettered run that is redriven', () => {
  it('settles result on the first terminal frame, and events keep delivering until complete', async () => {
    // Given a run whose steps exhausted their retries (dead-lettered: a retryable failure)
    const { client, connection } = await connected();
    const run = client.start('flaky_step', {}, { id: 'dl' });
    await connection.take((m) => m.id === 'dl');
    connection.send(frames.ack('dl'));
    connection.send(frames.progress('dl', 2));
    connection.send(frames.failed('dl', 5, 'PROCESSING_FAILED', true));
    // Then result rejects at once
    expect(await rejection(run.result)).toMatchObject({ code: 'PROCESSING_FAILED', seq: 5 });
    // When an operator redrives it and it completes
    connection.send(frames.progress('dl', 8));
    connection.send(frames.complete('dl', 10, { ok: true }));
    // Then events carried both epochs, once each; progress stopped at the first terminal frame
    expect(seqs(await collect(run.events))).toEqual([2, 5, 8, 10]);
    expect(seqs(await collect(run.progress))).toEqual([2]);
  });

  it('is let go at its failure with followRedrives: false', async () => {
    const { client, connection } = await connected({ followRedrives: false });
    const run = client.start('flaky_step', {}, { id: 'dl2' });
    await connection.take((m) => m.id === 'dl2');
    connection.send(frames.failed('dl2', 5, 'PROCESSING_FAILED', true));
    connection.send(frames.complete('dl2', 10));
    expect(seqs(await collect(run.events))).toEqual([5]);
  });

  it('a failure that was not retryable ends the run', async () => {
    const { client, connection } = await connected();
    const run = client.start('flaky_step', {}, { id: 'nr' });
    await connection.take((m) => m.id === 'nr');
    connection.send(frames.failed('nr', 5, 'PROCESSING_FAILED', false));
    expect(seqs(await collect(run.events))).toEqual([5]);
  });
});
