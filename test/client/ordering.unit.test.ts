import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type StreamerClient } from '../../src/client';
import { RunFeed } from '../../src/client/runFeed';
import { type FakeConnection, type FakeServer, startFakeServer } from './fakeServer';
import { collect, frames, seqs } from './scriptedFrames';

let server: FakeServer | undefined;
let client: StreamerClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
});

/** A run that delivered up to `seq` 2 on a first connection, which then dropped; the second connection. */
async function runAfterDrop(id: string) {
  server = await startFakeServer();
  client = createClient({ url: server.url, token: 't', reconnect: { minDelayMs: 5 } });
  const run = client.start('bulk_operation', { items: [1] }, { id });
  const first = await server.connection(0);
  await first.take((m) => m.id === id);
  first.send(frames.ack(id));
  first.send(frames.progress(id, 2));
  first.drop();
  const second: FakeConnection = await server.connection(1);
  const subscribe = await second.take((m) => m.action === 'subscribe');
  return { run, second, subscribeId: subscribe.id as string, lastSeq: subscribe.payload?.last_seq };
}

describe('frames after a resubscribe', () => {
  it('are delivered in seq order when live frames overtake the catch-up', async () => {
    // Given a resubscribe from seq 2
    const { run, second, subscribeId, lastSeq } = await runAfterDrop('o1');
    expect(lastSeq).toBe(2);
    // When a live frame (9) arrives before the catch-up (4, 6), which repeats it, then the answer
    second.send(frames.progress('o1', 9));
    second.send(frames.progress('o1', 4));
    second.send(frames.progress('o1', 6));
    second.send(frames.progress('o1', 9));
    second.send(frames.subscribed(subscribeId, 'o1', 3, 9));
    // And a live frame after the answer, one repeat of an old frame, and the terminal frame
    second.send(frames.progress('o1', 10));
    second.send(frames.progress('o1', 6));
    second.send(frames.complete('o1', 12));
    // Then the run delivers each frame once, in order
    expect(seqs(await collect(run.events))).toEqual([2, 4, 6, 9, 10, 12]);
  });

  it('holds live frames newer than the catch-up until the catch-up is done', async () => {
    const { run, second, subscribeId } = await runAfterDrop('o2');
    // The catch-up read the log up to 5; a live frame at 7 raced ahead of the catch-up's 3 and 5
    second.send(frames.progress('o2', 7));
    second.send(frames.progress('o2', 3));
    second.send(frames.progress('o2', 5));
    second.send(frames.subscribed(subscribeId, 'o2', 2, 5));
    second.send(frames.complete('o2', 8));
    expect(seqs(await collect(run.events))).toEqual([2, 3, 5, 7, 8]);
    expect(run.lastSeq).toBe(8);
  });

  it('subscribes again when the answer says more catch-up frames were posted than arrived', async () => {
    // Given an answer claiming 2 replayed frames when only 1 arrived
    const { run, second, subscribeId } = await runAfterDrop('o3');
    second.send(frames.progress('o3', 5));
    second.send(frames.subscribed(subscribeId, 'o3', 2, 5));
    // Then the client asks again from the same seq, and delivers only once all are in
    const again = await second.take((m) => m.action === 'subscribe');
    expect(again.payload).toEqual({ request_id: 'o3', last_seq: 2 });
    second.send(frames.progress('o3', 3));
    second.send(frames.progress('o3', 5));
    second.send(frames.subscribed(again.id as string, 'o3', 2, 5));
    second.send(frames.complete('o3', 6));
    expect(seqs(await collect(run.events))).toEqual([2, 3, 5, 6]);
  });

  it('drops frames repeated on a live connection', async () => {
    server = await startFakeServer();
    client = createClient({ url: server.url, token: 't' });
    const run = client.start('echo_async', { message: 'x' }, { id: 'd1' });
    const connection = await server.connection(0);
    await connection.take((m) => m.id === 'd1');
    // A projector retry re-sends a batch it had already posted
    for (const seq of [2, 3, 2, 3, 4]) connection.send(frames.progress('d1', seq));
    connection.send(frames.ack('d1'));
    connection.send(frames.complete('d1', 5));
    connection.send(frames.complete('d1', 5));
    expect(seqs(await collect(run.events))).toEqual([2, 3, 4, 5]);
    expect(seqs(await collect(run.progress))).toEqual([2, 3, 4]);
  });
});

describe('RunFeed', () => {
  it('keeps frames held by a catch-up the connection dropped under', () => {
    const feed = new RunFeed(2);
    expect(feed.beginCatchUp()).toBe(2);
    expect(feed.accept(frames.progress('f', 4))).toEqual([]);
    // The connection dropped; the next subscribe starts from the same seq and keeps 4
    expect(feed.beginCatchUp()).toBe(2);
    feed.accept(frames.progress('f', 3));
    const result = feed.endCatchUp(4, 2);
    expect(result.kind === 'caught_up' && seqs(result.frames)).toEqual([3, 4]);
    expect(feed.lastSeq).toBe(4);
  });

  it('moves lastSeq to the log position the catch-up read, even past the last frame', () => {
    const feed = new RunFeed(2);
    feed.beginCatchUp();
    expect(feed.endCatchUp(9, 0)).toEqual({ kind: 'caught_up', frames: [] });
    expect(feed.lastSeq).toBe(9);
    expect(feed.accept(frames.progress('f', 8))).toEqual([]);
  });
});
