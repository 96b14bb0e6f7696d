import { describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { createWorkflowRegistry } from '../../src/engine';
import { HISTORY_BYTES, runHistory } from '../../src/inspect/runHistory';
import { createTestEngine } from '../../src/testing';

const input = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2'] };

async function waitingExpense() {
  const engine = createTestEngine({ workflows: [expenseApproval] });
  await engine.start('expense_approval', input, { id: 'e1' });
  await engine.runUntilIdle();
  return engine;
}

describe("a run's history", () => {
  it('marks where the machine state and the status changed, and offers the events the state accepts', async () => {
    const engine = await waitingExpense();
    const log = await engine.log('e1');
    const data = runHistory(engine.registry, log, { afterSeq: 0, limit: 200 });
    expect(data).toMatchObject({
      request_id: 'e1',
      action: 'expense_approval',
      workflow_version: 1,
    });
    expect(data.events.map((e) => e.seq)).toEqual(log.map((e) => e.seq));
    const changes = data.events.filter((e) => e.state !== undefined).map((e) => [e.type, e.state]);
    expect(changes).toEqual([
      ['request.accepted', 'checking'],
      ['step.completed', 'awaitingApproval'],
    ]);
    expect(data.events[0]?.status).toBe('PENDING');
    expect(data.events.find((e) => e.type === 'step.started')?.status).toBe('PROCESSING');
    expect(data.current).toEqual({
      status: 'PROCESSING',
      state: 'awaitingApproval',
      accepts: ['approve', 'reject'],
      finished: false,
    });
    expect(data.next_after_seq).toBeUndefined();
  });

  it('offers nothing once the run ended', async () => {
    const engine = await waitingExpense();
    await engine.signal('e1', { type: 'approve', approver: 'bob' });
    await engine.runUntilIdle();
    const data = runHistory(engine.registry, await engine.log('e1'), { afterSeq: 0, limit: 200 });
    expect(data.current).toEqual({
      status: 'COMPLETED',
      state: 'paid',
      accepts: [],
      finished: true,
    });
    expect(data.events.filter((e) => e.state !== undefined).map((e) => e.state)).toEqual([
      'checking',
      'awaitingApproval',
      'paying',
      'paid',
    ]);
  });

  it('pages by after_seq and limit, each page starting with its state and status', async () => {
    const engine = await waitingExpense();
    const log = await engine.log('e1');
    const first = runHistory(engine.registry, log, { afterSeq: 0, limit: 2 });
    expect(first.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(first.next_after_seq).toBe(2);
    const second = runHistory(engine.registry, log, { afterSeq: 2, limit: 2 });
    expect(second.events[0]).toMatchObject({ seq: 3, state: 'checking', status: 'PROCESSING' });
  });

  it('leaves connection ids and storage keys out, and replaces large data by its size', async () => {
    const engine = createTestEngine({ workflows: [expenseApproval] });
    const receipts = Array.from({ length: 2_000 }, (_, i) => `rcpt-${i}`);
    await engine.start(
      'expense_approval',
      { ...input, receipts },
      { id: 'big', connectionId: 'conn-1' },
    );
    const data = runHistory(engine.registry, await engine.log('big'), { afterSeq: 0, limit: 10 });
    expect(JSON.stringify(data)).not.toContain('conn-1');
    const accepted = data.events[0]?.data as { truncated?: boolean; bytes?: number };
    expect(accepted.truncated).toBe(true);
    expect(accepted.bytes).toBeGreaterThan(HISTORY_BYTES.maxEventData);
  });

  it('still lists the events and statuses of a run whose workflow version is gone', async () => {
    const engine = await waitingExpense();
    const log = await engine.log('e1');
    const data = runHistory(createWorkflowRegistry([]), log, { afterSeq: 0, limit: 200 });
    expect(data.events).toHaveLength(log.length);
    expect(data.events.some((e) => e.state !== undefined)).toBe(false);
    expect(data.current).toEqual({ status: 'PROCESSING', accepts: [], finished: false });
  });
});
