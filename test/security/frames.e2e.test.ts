import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_LIMITS } from '../../src/protocol';
import type { AttackClient, SecurityStack } from '../support/securityStack';
import { startSecurityStack } from '../support/securityStack';

// Malformed frames on an authenticated connection of the real local stack:
// each is answered with the protocol's error frame (its code, and the
// message's id when it could be read), nothing is written, and the
// connection stays usable.
let stack: SecurityStack;
let client: AttackClient;
beforeAll(async () => {
  stack = await startSecurityStack();
  client = await stack.connect({ sub: 'mallory', tenant_id: 'tenant-m' });
  // A request to aim engine actions at.
  const ack = await client.request({ action: 'approval', id: 'ap-1', payload: { subject: 'x' } });
  expect(ack).toMatchObject({ type: 'acknowledgment', request_id: 'ap-1' });
});
afterAll(() => stack?.stop());

const nested = (depth: number) =>
  `{"action":"echo","id":"deep","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const oversize = {
  action: 'echo',
  id: 'big',
  payload: 'x'.repeat(PROTOCOL_LIMITS.maxMessageBytes),
};

type Case = [name: string, message: unknown, code: string, requestId: string | undefined];
const cases: Case[] = [
  ['invalid JSON', '{"action": "echo", "id": ', 'VALIDATION_ERROR', undefined],
  ['an empty message', '', 'VALIDATION_ERROR', undefined],
  ['an array', '[1,2,3]', 'VALIDATION_ERROR', undefined],
  ['a number', '42', 'VALIDATION_ERROR', undefined],
  ['a string', '"echo"', 'VALIDATION_ERROR', undefined],
  ['null', 'null', 'VALIDATION_ERROR', undefined],
  ['an oversize message', oversize, 'PAYLOAD_TOO_LARGE', undefined],
  ['nesting 33 deep', nested(33), 'VALIDATION_ERROR', undefined],
  ['nesting 10,000 deep', nested(10_000), 'VALIDATION_ERROR', undefined],
  [
    'a top-level __proto__',
    '{"action":"echo_async","id":"p-1","__proto__":{"isAdmin":true},"payload":{"message":"x"}}',
    'VALIDATION_ERROR',
    'p-1',
  ],
  [
    'a nested __proto__',
    '{"action":"echo_async","id":"p-2","payload":{"message":"x","a":[{"__proto__":{"x":1}}]}}',
    'VALIDATION_ERROR',
    'p-2',
  ],
  [
    'a constructor.prototype',
    '{"action":"echo_async","id":"p-3","payload":{"constructor":{"prototype":{"x":1}}}}',
    'VALIDATION_ERROR',
    'p-3',
  ],
  [
    'an id with a NUL',
    { action: 'echo_async', id: 'r\u0000', payload: {} },
    'VALIDATION_ERROR',
    undefined,
  ],
  [
    'an id with a lone surrogate',
    { action: 'echo_async', id: 'r\ud800', payload: {} },
    'VALIDATION_ERROR',
    undefined,
  ],
  [
    'an id of 129 characters',
    { action: 'echo_async', id: 'r'.repeat(129), payload: {} },
    'VALIDATION_ERROR',
    undefined,
  ],
  ['an empty id', { action: 'echo_async', id: '', payload: {} }, 'VALIDATION_ERROR', undefined],
  ['a numeric id', { action: 'echo_async', id: 7, payload: {} }, 'VALIDATION_ERROR', undefined],
  [
    'an id padded by spaces',
    { action: 'echo_async', id: ' r1 ', payload: {} },
    'VALIDATION_ERROR',
    undefined,
  ],
  ['no action', { id: 'm-1', payload: {} }, 'VALIDATION_ERROR', 'm-1'],
  ['a non-string action', { action: ['echo'], id: 'm-2' }, 'VALIDATION_ERROR', 'm-2'],
  ['an unknown action', { action: 'format_disk', id: 'm-3' }, 'INVALID_ACTION', 'm-3'],
  ['an action that cannot exist', { action: '../../etc', id: 'm-4' }, 'INVALID_ACTION', 'm-4'],
  [
    'an invalid payload',
    { action: 'echo_async', id: 'm-5', payload: { message: 7 } },
    'VALIDATION_ERROR',
    'm-5',
  ],
  [
    'a date that does not exist',
    {
      action: 'generate_report',
      id: 'm-6',
      payload: {
        start_date: '2026-02-30',
        end_date: '2026-03-31',
        format: 'pdf',
        report_type: 'custom',
      },
    },
    'VALIDATION_ERROR',
    'm-6',
  ],
  [
    'a target id with a lone surrogate',
    { action: 'status', id: 'm-7', payload: { request_id: 'ap-1\udfff' } },
    'VALIDATION_ERROR',
    'm-7',
  ],
  [
    'a status without target',
    { action: 'status', id: 'm-8', payload: {} },
    'VALIDATION_ERROR',
    'm-8',
  ],
  [
    'a negative last_seq',
    { action: 'subscribe', id: 'm-9', payload: { request_id: 'ap-1', last_seq: -1 } },
    'VALIDATION_ERROR',
    'm-9',
  ],
  [
    'a signal without event',
    { action: 'signal', id: 'm-10', payload: { request_id: 'ap-1' } },
    'VALIDATION_ERROR',
    'm-10',
  ],
  [
    'an XState event sent as a signal',
    {
      action: 'signal',
      id: 'm-11',
      payload: { request_id: 'ap-1', event: { type: 'xstate.done.actor.x' } },
    },
    'VALIDATION_ERROR',
    'm-11',
  ],
  [
    'a signal whose field is an object',
    {
      action: 'signal',
      id: 'm-12',
      payload: { request_id: 'ap-1', event: { type: 'APPROVE', by: { name: 'x' } } },
    },
    'VALIDATION_ERROR',
    'm-12',
  ],
  [
    'a signal the workflow does not declare',
    { action: 'signal', id: 'm-13', payload: { request_id: 'ap-1', event: { type: 'ESCALATE' } } },
    'VALIDATION_ERROR',
    'm-13',
  ],
];

describe('malformed frames', () => {
  it.each(cases)(
    '%s: the error frame, nothing written, the connection still usable',
    async (_, message, code, requestId) => {
      const events = await stack.count('requests');
      const subscriptions = await stack.count('subscriptions');
      const reply = await client.request(message);
      expect(reply).toMatchObject({ type: 'error', error: { code, message: expect.any(String) } });
      expect(reply.type === 'error' ? reply.request_id : 'not an error').toBe(requestId);
      expect(JSON.stringify(reply)).not.toContain('tenant-m#');
      expect(await stack.count('requests')).toBe(events);
      expect(await stack.count('subscriptions')).toBe(subscriptions);
      expect(await client.request({ action: 'ping' })).toMatchObject({ type: 'pong' });
    },
  );

  it('names the bad field of a signal, so no object is ever rendered as [object Object]', async () => {
    const reply = await client.request({
      action: 'signal',
      id: 'm-14',
      payload: { request_id: 'ap-1', event: { type: 'APPROVE', by: { name: 'x' } } },
    });
    expect(reply).toMatchObject({
      error: {
        code: 'VALIDATION_ERROR',
        details: {
          reason: 'invalid_event',
          event_type: 'APPROVE',
          issues: [{ path: 'payload.event.by', message: expect.any(String) }],
        },
      },
    });
  });

  it("closes the connection (1009) on a message over API Gateway's 128 KiB, writing nothing", async () => {
    const events = await stack.count('requests');
    const big = await stack.connect({ sub: 'mallory', tenant_id: 'tenant-m' });
    const closed = big.closed();
    big.send({
      action: 'echo_async',
      id: 'huge',
      payload: { message: 'x'.repeat(PROTOCOL_LIMITS.gatewayMessageBytes) },
    });
    expect(await closed).toBe(1009);
    expect(await stack.count('requests')).toBe(events);
  });
});
