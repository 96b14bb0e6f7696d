import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../src/protocol';
import {
  type StackClient,
  type StackHarness,
  startStackHarness,
} from '../support/localStackHarness';

/** Sends `count` messages as fast as the socket takes them, and waits for every reply. */
async function burst(
  client: StackClient,
  count: number,
  message: (i: number) => Record<string, unknown>,
): Promise<ServerFrame[]> {
  const ids = Array.from({ length: count }, (_, i) => String(message(i).id));
  for (let i = 0; i < count; i++) client.send(message(i));
  return Promise.all(
    ids.map((id) =>
      client.waitFor((frame) => 'request_id' in frame && frame.request_id === id, 60_000),
    ),
  );
}

const isRateLimited = (frame: ServerFrame) =>
  frame.type === 'error' && frame.error.code === 'RATE_LIMITED';

describe('flow control over the local stack', () => {
  let harness: StackHarness;

  beforeAll(async () => {
    harness = await startStackHarness({
      demoSpeed: 1,
      flowControl: {
        tenantMessagesPerSecond: 100,
        connectionMessagesPerSecond: 0,
        tenantStartsPerSecond: 20,
        concurrencyPerTenant: 2,
      },
    });
  });
  afterAll(() => harness.stop());

  it('answers tenant A’s flood with RATE_LIMITED, saying when to retry, while tenant B gets every reply', async () => {
    const noisy = await harness.connect('tenant-a');
    const quiet = await harness.connect('tenant-b');
    const [flood, replies] = await Promise.all([
      burst(noisy, 600, (i) => ({
        action: 'status',
        id: `s${i}`,
        payload: { request_id: 'none' },
      })),
      burst(quiet, 40, (i) => ({ action: 'echo', id: `e${i}`, payload: { n: i } })),
    ]);
    const refused = flood.filter(isRateLimited);
    expect(refused.length).toBeGreaterThan(0);
    for (const frame of refused) {
      expect(frame).toMatchObject({
        error: { details: { scope: 'tenant', limit: 100, retry_after_ms: expect.any(Number) } },
      });
      const { retry_after_ms } = (frame as { error: { details: { retry_after_ms: number } } }).error
        .details;
      expect(retry_after_ms).toBeGreaterThan(0);
      expect(retry_after_ms).toBeLessThanOrEqual(1_000);
    }
    // What was not refused was answered as usual.
    expect(
      flood
        .filter((f) => !isRateLimited(f))
        .every((f) => f.type === 'error' && f.error.code === 'NOT_FOUND'),
    ).toBe(true);
    expect(replies).toHaveLength(40);
    expect(replies.every((frame) => frame.type === 'response' && frame.success)).toBe(true);
  });

  it('runs tenant A’s async burst two at a time while tenant B’s run starts at once; all complete', async () => {
    const a = await harness.connect('tenant-a', 'ann');
    const b = await harness.connect('tenant-b', 'bob');
    // A new second, so the flood above has spent nothing of this window.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const acks = await burst(a, 6, (i) => ({
      action: 'echo_async',
      id: `burst-${i}`,
      payload: { message: `a${i}` },
    }));
    expect(acks.every((frame) => frame.type === 'acknowledgment')).toBe(true);
    b.send({ action: 'echo_async', id: 'b-1', payload: { message: 'b' } });
    await b.waitFor((frame) => frame.type === 'complete' && frame.request_id === 'b-1', 60_000);
    for (let i = 0; i < 6; i++) {
      await a.waitFor(
        (frame) => frame.type === 'complete' && frame.request_id === `burst-${i}`,
        60_000,
      );
    }
    const logsOfA = await Promise.all(
      Array.from({ length: 6 }, (_, i) => harness.log('tenant-a', `burst-${i}`)),
    );
    expect(logsOfA.some((log) => log.some((event) => event.type === 'request.queued'))).toBe(true);
    if (process.env.PEEK)
      for (const log of logsOfA)
        console.log(
          log
            .map(
              (e) => `${e.seq} ${e.type} ${e.at % 100000} ${JSON.stringify(e.data).slice(0, 80)}`,
            )
            .join('\n'),
        );
    const logOfB = await harness.log('tenant-b', 'b-1');
    expect(logOfB.map((event) => event.type)).not.toContain('request.queued');
  });
});
