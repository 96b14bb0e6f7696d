import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { createClient, type StreamerClient, StreamerError } from '../../src/client';
import { createWorkflowRegistry } from '../../src/engine';
import { createDemoWorkflows } from '../../src/workflows';
import { waitFor } from '../local/waitFor';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';

// list, describe and history through the real router on the local stack,
// as the client sends them: each tenant sees only its own runs.
let harness: StackHarness;
const clients: StreamerClient[] = [];

async function clientOf(tenant: string): Promise<StreamerClient> {
  const identity = harness.stack.devIdentity;
  if (!identity) throw new Error('the stack did not generate a dev key');
  const token = await identity.mintToken({ sub: `user-of-${tenant}`, tenant_id: tenant });
  const client = createClient({ url: harness.stack.url, token });
  clients.push(client);
  return client;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof StreamerError ? error.code : String(error);
  }
}

beforeAll(async () => {
  const demos = Object.values(createDemoWorkflows({ speed: 200 }));
  harness = await startStackHarness({
    registry: createWorkflowRegistry([...demos, expenseApproval]),
  });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await harness?.stop();
});

describe('list', () => {
  it("pages through the caller's tenant's runs, newest first, filtered by status, action and time", async () => {
    const alice = await clientOf('list-a');
    const bob = await clientOf('list-b');
    const before = Date.now();
    for (const id of ['a1', 'a2', 'a3']) {
      await alice.start('echo_async', { message: id }, { id }).result;
    }
    await alice.start(
      'expense_approval',
      { employee: 'ann', amountCents: 5, receipts: ['rcpt-1'] },
      { id: 'a4' },
    );
    await bob.start('echo_async', { message: 'b' }, { id: 'a1' }).result; // the same id, another tenant
    await waitFor('the views of the finished runs', async () => {
      const { runs } = await alice.list({ status: 'COMPLETED' });
      return runs.length === 3;
    });

    const all = await alice.list();
    expect(all.runs.map((run) => run.request_id)).toEqual(['a4', 'a3', 'a2', 'a1']);
    expect(all.runs[1]).toMatchObject({
      action: 'echo_async',
      status: 'COMPLETED',
      progress: 100,
      user_id: 'user-of-list-a',
    });
    expect(all.cursor).toBeUndefined();
    expect(
      (await alice.list({ action: 'expense_approval' })).runs.map((r) => r.request_id),
    ).toEqual(['a4']);
    expect((await alice.list({ status: 'COMPLETED', action: 'expense_approval' })).runs).toEqual(
      [],
    );
    expect((await alice.list({ until: before - 1 })).runs).toEqual([]);
    expect((await alice.list({ since: new Date(before) })).runs).toHaveLength(4);
    expect((await bob.list()).runs.map((run) => [run.request_id, run.user_id])).toEqual([
      ['a1', 'user-of-list-b'],
    ]);

    const first = await alice.list({ limit: 2 });
    expect(first.runs.map((run) => run.request_id)).toEqual(['a4', 'a3']);
    expect(first.cursor).toBeDefined();
    const second = await alice.list({ limit: 2, cursor: first.cursor });
    expect(second.runs.map((run) => run.request_id)).toEqual(['a2', 'a1']);
  });

  it("never reaches another tenant's runs, whatever the cursor", async () => {
    const alice = await clientOf('cursor-a');
    const eve = await clientOf('cursor-e');
    for (const id of ['c1', 'c2', 'c3'])
      await alice.start('echo_async', { message: id }, { id }).result;
    await waitFor("alice's views", async () => (await alice.list()).runs.length === 3);
    const { cursor } = await alice.list({ limit: 1 });
    // Eve replays alice's cursor, and one forged to name alice's key: her own (empty) partition answers.
    expect((await eve.list({ limit: 1, cursor })).runs).toEqual([]);
    const forged = Buffer.from(
      JSON.stringify({
        v: 1,
        r: 'cursor-a#c3',
        c: Date.now(),
        f: JSON.parse(Buffer.from(cursor ?? '', 'base64url').toString()).f,
      }),
    ).toString('base64url');
    expect((await eve.list({ limit: 1, cursor: forged })).runs).toEqual([]);
    expect(await codeOf(eve.list({ cursor: 'bm90IGEgY3Vyc29y' }))).toBe('VALIDATION_ERROR');
    expect(await codeOf(alice.list({ cursor, status: 'FAILED' }))).toBe('VALIDATION_ERROR');
    expect(await codeOf(alice.list({ limit: 1_000 }))).toBe('VALIDATION_ERROR');
  });
});

describe('describe and history', () => {
  it('draw the approval workflow and replay a run of it, for its own tenant only', async () => {
    const alice = await clientOf('history-a');
    const eve = await clientOf('history-e');
    const described = await alice.describe('expense_approval');
    expect(described.graph.nodes.map((node) => node.key)).toContain('awaitingApproval');
    expect(described.signals.map((signal) => signal.type)).toEqual(['approve', 'reject']);
    expect(await codeOf(alice.describe('no_such_workflow'))).toBe('NOT_FOUND');

    const run = alice.start(
      'expense_approval',
      { employee: 'ann', amountCents: 5, receipts: ['rcpt-1'] },
      { id: 'h1' },
    );
    await waitFor(
      'the approval wait',
      // The start and the history requests race on the wire: NOT_FOUND until the start is in.
      () =>
        alice.history('h1').then(
          (data) => data.current.state === 'awaitingApproval',
          () => false,
        ),
    );
    const waiting = await alice.history('h1');
    expect(waiting.current).toMatchObject({ accepts: ['approve', 'reject'], finished: false });
    expect(await codeOf(eve.history('h1'))).toBe('NOT_FOUND');

    await run.signal({ type: 'approve', approver: 'bob' });
    await run.result;
    const done = await alice.history('h1');
    expect(done.current).toEqual({
      status: 'COMPLETED',
      state: 'paid',
      accepts: [],
      finished: true,
    });
    const page = await alice.history('h1', { afterSeq: 2, limit: 2 });
    expect(page.events.map((event) => event.seq)).toEqual([3, 4]);
    expect(page.next_after_seq).toBe(4);
  });
});
