import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRequestKey } from '../../src/events/requestKey';
import { PROTOCOL_LIMITS } from '../../src/protocol';
import {
  type GatewayHarness,
  startGatewayHarness,
  type TestClient,
} from '../support/gatewayHarness';

describe('messages through the local gateway', () => {
  let harness: GatewayHarness;
  let client: TestClient;

  beforeAll(async () => {
    harness = await startGatewayHarness({ label: 'messages' });
    client = await harness.connect({ claims: { sub: 'ann', tenant_id: 'acme' } });
  });
  afterAll(() => harness.close());

  it('answers echo with a response frame (route response)', async () => {
    const reply = await client.request({ action: 'echo', id: 'e1', payload: { hello: 'world' } });
    expect(reply).toMatchObject({
      type: 'response',
      request_id: 'e1',
      success: true,
      data: { echo: { hello: 'world' }, action: 'echo', received_at: expect.any(String) },
      timestamp: expect.any(Number),
    });
  });

  it('answers health with a response frame', async () => {
    const reply = await client.request({ action: 'health', request_id: 'h1' });
    expect(reply).toMatchObject({
      type: 'response',
      request_id: 'h1',
      success: true,
      data: { status: 'healthy', timestamp: expect.any(String), version: expect.any(String) },
    });
  });

  it('acknowledges an async action after request.accepted is in the log', async () => {
    const reply = await client.request({
      action: 'generate_report',
      id: 'rep-1',
      payload: {
        start_date: '2026-01-01',
        end_date: '2026-01-31',
        format: 'pdf',
        report_type: 'monthly',
      },
      metadata: { source: 'e2e', debug: true },
    });
    expect(reply).toMatchObject({ type: 'acknowledgment', request_id: 'rep-1', status: 'queued' });
    const log = await harness.store.read(toRequestKey('acme', 'rep-1'));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      seq: 1,
      type: 'request.accepted',
      tenantId: 'acme',
      userId: 'ann',
      data: {
        action: 'generate_report',
        clientRequestId: 'rep-1',
        connectionId: client.connectionId,
        metadata: { source: 'e2e' },
      },
    });
  });

  it('gives an async action sent without an id a ULID', async () => {
    const reply = await client.request({ action: 'echo_async', payload: { message: 'no id' } });
    expect(reply).toMatchObject({
      type: 'acknowledgment',
      request_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    });
  });

  it('starts one request when the same id is sent twice', async () => {
    const first = await client.request({
      action: 'echo_async',
      id: 'twice',
      payload: { message: 'one' },
    });
    const second = await client.request({
      action: 'echo_async',
      id: 'twice',
      payload: { message: 'two' },
    });
    expect(first).not.toHaveProperty('duplicate');
    expect(second).toMatchObject({ type: 'acknowledgment', request_id: 'twice', duplicate: true });
    const log = await harness.store.read(toRequestKey('acme', 'twice'));
    expect(log.filter((event) => event.type === 'request.accepted')).toHaveLength(1);
    expect(log[0]?.data).toMatchObject({ input: { message: 'one' } });
  });

  describe('malformed input (DESIGN §5): the right error frame, nothing written', () => {
    const deep = `{"action":"echo_async","id":"deep","payload":${'['.repeat(200)}${']'.repeat(200)}}`;
    it.each([
      ['invalid JSON', '{"action": "echo_async", "id": ', 'VALIDATION_ERROR', undefined],
      ['a non-object', '[1, 2, 3]', 'VALIDATION_ERROR', undefined],
      ['a missing action', { id: 'm-1', payload: { message: 'x' } }, 'VALIDATION_ERROR', 'm-1'],
      ['an unknown action', { action: 'format_disk', id: 'm-2' }, 'INVALID_ACTION', 'm-2'],
      [
        'wrong payload types',
        { action: 'echo_async', id: 'm-3', payload: { message: 7 } },
        'VALIDATION_ERROR',
        'm-3',
      ],
      [
        'wrong payload enum',
        {
          action: 'generate_report',
          id: 'm-4',
          payload: { start_date: 'soon', end_date: 1, format: 'doc', report_type: 'x' },
        },
        'VALIDATION_ERROR',
        'm-4',
      ],
      [
        'an oversize message',
        {
          action: 'echo_async',
          id: 'm-5',
          payload: { message: 'x'.repeat(PROTOCOL_LIMITS.maxMessageBytes) },
        },
        'PAYLOAD_TOO_LARGE',
        undefined,
      ],
      ['a deeply nested message', deep, 'VALIDATION_ERROR', undefined],
      [
        'a __proto__ payload',
        '{"action":"echo_async","id":"m-6","payload":{"message":"x","__proto__":{"isAdmin":true}}}',
        'VALIDATION_ERROR',
        'm-6',
      ],
    ])('%s', async (_, message, code, requestKey) => {
      const before = await harness.countEvents();
      const reply = await client.request(message);
      expect(reply).toMatchObject({ type: 'error', error: { code, message: expect.any(String) } });
      expect(reply.type === 'error' ? reply.request_id : undefined).toBe(requestKey);
      expect(await harness.countEvents()).toBe(before);
    });

    it('answers issues readably for wrong payload types', async () => {
      const reply = await client.request({
        action: 'echo_async',
        id: 'm-7',
        payload: { message: ['not', 'a', 'string'] },
      });
      expect(reply).toMatchObject({
        error: {
          code: 'VALIDATION_ERROR',
          details: { issues: [{ path: 'message', message: expect.any(String) }] },
        },
      });
    });
  });

  it("closes the connection (1009) on a message over API Gateway's 128 KiB limit", async () => {
    const big = await harness.connect();
    const code = big.closed();
    big.send({ action: 'echo', payload: 'x'.repeat(PROTOCOL_LIMITS.gatewayMessageBytes) });
    expect(await code).toBe(1009);
  });
});
