import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../src/protocol';
import { expectForeignLikeMissing } from '../support/foreignRequest';
import type { AttackClient, SecurityStack } from '../support/securityStack';
import { startSecurityStack } from '../support/securityStack';

// Tenant isolation on the real local stack (invariant 9): another tenant's
// ids are answered exactly like missing ones and nothing is written; two
// tenants may use the same ids; no frame ever crosses to another tenant.
let stack: SecurityStack;
let acme: AttackClient;
let globex: AttackClient;
let bystander: AttackClient;
beforeAll(async () => {
  stack = await startSecurityStack();
  acme = await stack.connect({ sub: 'ann', tenant_id: 'acme' });
  globex = await stack.connect({ sub: 'gus', tenant_id: 'globex' });
  bystander = await stack.connect({ sub: 'bo', tenant_id: 'initech' });
  // acme's request waits for a signal, so cancel and signal would have something to act on.
  const ack = await acme.request({
    action: 'approval',
    id: 'ap-1',
    payload: { subject: 'budget' },
  });
  expect(ack).toMatchObject({ type: 'acknowledgment', request_id: 'ap-1' });
});
afterAll(() => stack?.stop());

const payloadFor = (action: string, id: string) => ({
  request_id: id,
  ...(action === 'signal' && { event: { type: 'APPROVE', by: 'gus' } }),
  ...(action === 'subscribe' && { last_seq: 0 }),
  ...(action === 'cancel' && { reason: 'hostile' }),
});

describe('another tenant', () => {
  it.each(['status', 'subscribe', 'unsubscribe', 'cancel', 'signal'])(
    "cannot %s acme's request: the same NOT_FOUND as a missing id, nothing written, nothing leaked",
    async (action) => {
      const events = await stack.count('requests');
      const subscriptions = await stack.count('subscriptions');
      const acmeLog = await stack.harness.log('acme', 'ap-1');
      await expectForeignLikeMissing(globex, action, 'ap-1', payloadFor);
      expect(await stack.count('requests')).toBe(events);
      expect(await stack.count('subscriptions')).toBe(subscriptions);
      expect(await stack.harness.log('acme', 'ap-1')).toEqual(acmeLog);
      expect(await stack.harness.log('globex', 'ap-1')).toEqual([]);
    },
  );

  it("cannot reach acme's request through a crafted id holding acme's key", async () => {
    const reply = await globex.request({
      action: 'status',
      id: 'm-1',
      payload: { request_id: 'acme#ap-1' },
    });
    expect(reply).toMatchObject({ type: 'error', error: { code: 'NOT_FOUND' } });
    expect(JSON.stringify(reply)).not.toContain('budget');
  });
});

describe('two tenants with the same ids', () => {
  it('each run their own request and get only their own frames, outputs never shared', async () => {
    const payload = { dataset_id: 'ds-shared', operations: ['clean'], output_format: 'csv' };
    acme.send({ action: 'process_data', id: 'same-id', payload });
    globex.send({ action: 'process_data', id: 'same-id', payload });
    const acmeDone = await acme.waitFor((f) => f.type === 'complete' && f.request_id === 'same-id');
    const globexDone = await globex.waitFor(
      (f) => f.type === 'complete' && f.request_id === 'same-id',
    );
    const location = (frame: ServerFrame) =>
      frame.type === 'complete'
        ? (frame.result as { output_location: string }).output_location
        : '';
    expect(location(acmeDone)).toContain('/acme/same-id/');
    expect(location(globexDone)).toContain('/globex/same-id/');
    expect(JSON.stringify([acmeDone, globexDone])).not.toContain('#');
    // Each tenant's log is its own
    expect((await stack.harness.log('acme', 'same-id'))[0]?.tenantId).toBe('acme');
    expect((await stack.harness.log('globex', 'same-id'))[0]?.tenantId).toBe('globex');
    // A repeated id within one tenant starts nothing new; across tenants it is a new request
    const again = await acme.request({ action: 'process_data', id: 'same-id', payload });
    expect(again).toMatchObject({ type: 'acknowledgment', duplicate: true });
  });

  it('subscribing to an id both tenants use replays only your own request', async () => {
    const start = globex.frames.length;
    globex.send({
      action: 'subscribe',
      id: 'm-2',
      payload: { request_id: 'same-id', last_seq: 0 },
    });
    // Catch-up frames are posted before the route response arrives.
    const sub = await globex.waitFor((f) => f.type === 'response' && f.request_id === 'm-2');
    const globexLog = await stack.harness.log('globex', 'same-id');
    const replayed = globex.frames.slice(start).filter((f) => f.type !== 'response');
    expect(sub).toMatchObject({ data: { subscribed: true, last_seq: globexLog.length } });
    expect(replayed.length).toBe((sub as { data: { replayed: number } }).data.replayed);
    const globexSeqs = new Set(globexLog.map((e) => e.seq));
    for (const frame of replayed) {
      expect(frame).toMatchObject({ request_id: 'same-id' });
      expect(globexSeqs.has((frame as { seq: number }).seq)).toBe(true);
    }
    expect(JSON.stringify(replayed)).toContain('/globex/same-id/');
    expect(JSON.stringify(replayed)).not.toContain('/acme/');
  });
});

describe('frames never cross tenants', () => {
  it('no frame of acme or globex ever reached the bystander tenant, and none of acme reached globex', async () => {
    expect(bystander.frames).toEqual([]);
    expect(JSON.stringify(globex.frames)).not.toContain('budget');
    expect(JSON.stringify(globex.frames)).not.toContain('/acme/');
    expect(JSON.stringify(acme.frames)).not.toContain('/globex/');
  });
});
