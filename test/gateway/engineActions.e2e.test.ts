import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRequestKey } from '../../src/events/requestKey';
import { expectForeignLikeMissing } from '../support/foreignRequest';
import {
  type GatewayHarness,
  startGatewayHarness,
  type TestClient,
} from '../support/gatewayHarness';

describe('engine actions through the local gateway', () => {
  let harness: GatewayHarness;
  let acme: TestClient;
  let globex: TestClient;

  beforeAll(async () => {
    harness = await startGatewayHarness({ label: 'engine' });
    acme = await harness.connect({ claims: { sub: 'ann', tenant_id: 'acme' } });
    globex = await harness.connect({ claims: { sub: 'gus', tenant_id: 'globex' } });
    expect(
      await acme.request({ action: 'approval', id: 'ap-1', payload: { subject: 'budget' } }),
    ).toMatchObject({ type: 'acknowledgment' });
  });
  afterAll(() => harness.close());

  describe('another tenant cannot reach the request: same NOT_FOUND as a missing id, nothing written', () => {
    const payloadFor = (action: string, id: string) => ({
      request_id: id,
      ...(action === 'signal' && { event: { type: 'APPROVE' } }),
      ...(action === 'subscribe' && { last_seq: 0 }),
    });
    it.each(['status', 'subscribe', 'cancel', 'signal'])('%s', async (action) => {
      const before = await harness.countEvents();
      await expectForeignLikeMissing(globex, action, 'ap-1', payloadFor);
      expect(await harness.countEvents()).toBe(before);
      expect(await harness.subscriptions.listByRequest(toRequestKey('acme', 'ap-1'))).toEqual([]);
      expect(await harness.subscriptions.listByRequest(toRequestKey('globex', 'ap-1'))).toEqual([]);
      expect(
        globex.frames.filter((frame) => frame.type === 'progress' || frame.type === 'complete'),
      ).toEqual([]);
    });
  });

  it('answers status from the log for the owning tenant', async () => {
    const reply = await acme.request({
      action: 'status',
      id: 's-1',
      payload: { request_id: 'ap-1' },
    });
    expect(reply).toMatchObject({
      type: 'response',
      request_id: 's-1',
      success: true,
      data: { request_id: 'ap-1', action: 'approval', status: 'PENDING', last_seq: 1 },
    });
  });

  it('delivers a signal the waiting workflow accepts, and refuses one it does not', async () => {
    const refused = await acme.request({
      action: 'signal',
      id: 'sig-1',
      payload: { request_id: 'ap-1', event: { type: 'SHRUG' } },
    });
    expect(refused).toMatchObject({
      type: 'error',
      request_id: 'sig-1',
      error: { code: 'VALIDATION_ERROR' },
    });
    const accepted = await acme.request({
      action: 'signal',
      id: 'sig-2',
      payload: { request_id: 'ap-1', event: { type: 'APPROVE', by: 'ann' } },
    });
    expect(accepted).toMatchObject({
      type: 'response',
      request_id: 'sig-2',
      data: { signalled: true, seq: 2 },
    });
    expect((await harness.store.read(toRequestKey('acme', 'ap-1'))).at(-1)).toMatchObject({
      type: 'request.signalled',
      data: { event: { type: 'APPROVE', by: 'ann' } },
    });
  });

  it('cancels a request and refuses to cancel it twice', async () => {
    await acme.request({ action: 'echo_async', id: 'c-1', payload: { message: 'to cancel' } });
    const cancelled = await acme.request({
      action: 'cancel',
      id: 'x-1',
      payload: { request_id: 'c-1', reason: 'no' },
    });
    expect(cancelled).toMatchObject({
      type: 'response',
      request_id: 'x-1',
      data: { cancelled: true },
    });
    const again = await acme.request({
      action: 'cancel',
      id: 'x-2',
      payload: { request_id: 'c-1' },
    });
    expect(again).toMatchObject({
      type: 'error',
      request_id: 'x-2',
      error: { code: 'VALIDATION_ERROR' },
    });
    const status = await acme.request({
      action: 'status',
      id: 'x-3',
      payload: { request_id: 'c-1' },
    });
    expect(status).toMatchObject({ data: { status: 'CANCELLED' } });
  });

  it('subscribes, then replays every missed frame after last_seq through the Management API', async () => {
    await acme.request({ action: 'echo_async', id: 'sub-1', payload: { message: 'follow me' } });
    const key = toRequestKey('acme', 'sub-1');
    const base = { tenantId: 'acme', userId: 'ann' };
    // Progress a processor would have written (none runs in this harness).
    await harness.store.append(key, 1, [
      { ...base, type: 'step.started', at: 1, data: { stepId: 'receive', attempt: 1 } },
      {
        ...base,
        type: 'step.progress',
        at: 2,
        data: { stepId: 'receive', percentage: 10, message: 'received' },
      },
      {
        ...base,
        type: 'step.progress',
        at: 3,
        data: { stepId: 'receive', percentage: 50, message: 'halfway' },
      },
      { ...base, type: 'request.completed', at: 4, data: { output: { echo: 'follow me' } } },
    ]);
    const watcher = await harness.connect({ claims: { sub: 'amy', tenant_id: 'acme' } });
    const reply = await watcher.request({
      action: 'subscribe',
      id: 'w-1',
      payload: { request_id: 'sub-1', last_seq: 3 },
    });
    expect(reply).toMatchObject({
      type: 'response',
      request_id: 'w-1',
      data: { request_id: 'sub-1', subscribed: true, replayed: 2, last_seq: 5 },
    });
    const replayed = watcher.frames.filter(
      (frame) => frame.type === 'progress' || frame.type === 'complete',
    );
    expect(replayed).toEqual([
      {
        type: 'progress',
        request_id: 'sub-1',
        percentage: 50,
        message: 'halfway',
        seq: 4,
        timestamp: 3,
      },
      {
        type: 'complete',
        request_id: 'sub-1',
        result: { echo: 'follow me' },
        seq: 5,
        timestamp: 4,
      },
    ]);
    expect(await harness.subscriptions.listByRequest(key)).toMatchObject([
      { connectionId: watcher.connectionId, tenantId: 'acme', requestId: 'sub-1' },
    ]);
    const off = await watcher.request({
      action: 'unsubscribe',
      id: 'w-2',
      payload: { request_id: 'sub-1' },
    });
    expect(off).toMatchObject({ type: 'response', data: { subscribed: false } });
    expect(await harness.subscriptions.listByRequest(key)).toEqual([]);
  });

  it("drops a connection's subscriptions when it disconnects", async () => {
    const watcher = await harness.connect({ claims: { sub: 'amy', tenant_id: 'acme' } });
    await watcher.request({ action: 'subscribe', id: 'w-3', payload: { request_id: 'ap-1' } });
    expect(await harness.subscriptions.listByRequest(toRequestKey('acme', 'ap-1'))).toHaveLength(1);
    await watcher.close();
    await expect
      .poll(() => harness.subscriptions.listByRequest(toRequestKey('acme', 'ap-1')), {
        timeout: 5_000,
      })
      .toEqual([]);
  });
});
