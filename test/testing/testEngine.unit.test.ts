import { describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { RequestNotFoundError } from '../../src/engine';
import {
  CrashingStore,
  createTestEngine,
  SimulatedCrash,
  type TestEngine,
} from '../../src/testing/index';

const input = { employee: 'ann', amountCents: 500, receipts: ['rcpt-1'] };

describe('test engine', () => {
  it('stops a slow step at its deadline, before its lease ends, and resumes it in the next run', async () => {
    let engine: TestEngine | undefined;
    let attempts = 0;
    engine = createTestEngine({
      workflows: [expenseApproval],
      budgetMs: 4_000,
      stubs: {
        checkReceipts: async ({ signal }) => {
          attempts += 1;
          if (attempts === 1) await engine?.sleep(60_000, signal); // far past the 4 s budget
          return { checked: 1 };
        },
      },
    });
    await engine.start('expense_approval', input, { id: 'slow' });
    await engine.advance(10_000);
    const types = (await engine.log('slow')).map((event) => event.type);
    expect(types).toEqual([
      'request.accepted',
      'step.started',
      'request.suspended',
      'step.started',
      'step.completed',
    ]);
    const [, first, suspended] = await engine.log('slow');
    const leaseUntil = (first?.data as { leaseUntil?: number } | undefined)?.leaseUntil;
    expect(suspended?.at).toBeLessThan(leaseUntil ?? 0);
    expect(attempts).toBe(2);
  });

  it('batches progress on the fake clock: the newest report of a window goes out when it closes', async () => {
    let engine: TestEngine | undefined;
    engine = createTestEngine({
      workflows: [expenseApproval],
      stubs: {
        checkReceipts: async ({ progress }) => {
          progress.report(10, 'a');
          progress.report(20, 'b');
          progress.report(30, 'c');
          await engine?.sleep(1_000);
          return { checked: 1 };
        },
      },
    });
    const started = engine.now();
    await engine.start('expense_approval', input, { id: 'p' });
    await engine.advance(2_000);
    const progress = (await engine.log('p'))
      .filter((event) => event.type === 'step.progress')
      .map((event) => [(event.data as { percentage: number }).percentage, event.at - started]);
    expect(progress).toEqual([
      [10, 0],
      [30, 200],
    ]);
  });

  it('keeps tenants apart: same request ids, frames only to their own connections, no reads across', async () => {
    const engine = createTestEngine({ workflows: [expenseApproval] });
    await engine.start('expense_approval', input, { id: 'r1', tenantId: 'acme' });
    await engine.start('expense_approval', input, { id: 'r1', tenantId: 'globex' });
    await engine.start('expense_approval', input, { id: 'only-acme', tenantId: 'acme' });
    await engine.runUntilIdle();

    for (const tenantId of ['acme', 'globex']) {
      const frames = engine.frames({ connectionId: engine.connectionOf({ tenantId }) });
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.every((f) => f.requestKey.startsWith(`${tenantId}#`))).toBe(true);
    }
    const asGlobex = { tenantId: 'globex' };
    expect(await engine.status('only-acme', asGlobex)).toBeUndefined();
    expect((await engine.status('r1', asGlobex))?.tenantId).toBe('globex');
    await expect(engine.cancel('only-acme', asGlobex)).rejects.toBeInstanceOf(RequestNotFoundError);
    await expect(
      engine.signal('only-acme', { type: 'approve', approver: 'x' }, asGlobex),
    ).rejects.toBeInstanceOf(RequestNotFoundError);
    await engine.connect('globex-watcher', asGlobex);
    expect(await engine.subscribe('only-acme', 'globex-watcher', asGlobex)).toBe(false);
  });

  it("schedules the crash net of a runner's lease for when the lease ends, not now", async () => {
    const engine = createTestEngine({ workflows: [expenseApproval], budgetMs: 60_000 });
    await engine.start('expense_approval', input, { id: 'n' });
    const acceptedAt = engine.now();
    const crashed = engine.run('n', {
      store: (store) => new CrashingStore(store, 'after_step_started'),
    });
    await expect(crashed).rejects.toBeInstanceOf(SimulatedCrash);
    const [started] = (await engine.log('n')).filter((event) => event.type === 'step.started');
    const leaseUntil = (started?.data as { leaseUntil?: number } | undefined)?.leaseUntil;
    expect(leaseUntil).toBeGreaterThan(acceptedAt);
    // The acceptance's wake-up, and the lease's at its end: nothing that would find the lease held.
    expect(engine.pendingWakeUps()).toEqual([
      { requestKey: 'tenant-a#n', dueAt: acceptedAt },
      { requestKey: 'tenant-a#n', dueAt: leaseUntil },
    ]);
  });

  it('lets another runner take over a crashed one once its lease has ended', async () => {
    const engine = createTestEngine({ workflows: [expenseApproval], budgetMs: 60_000 });
    await engine.start('expense_approval', input, { id: 'c' });
    const crashed = engine.run('c', {
      store: (store) => new CrashingStore(store, 'after_step_started'),
    });
    await expect(crashed).rejects.toBeInstanceOf(SimulatedCrash);
    await engine.runUntilIdle();
    expect((await engine.state('c'))?.snapshot.value).toBe('checking');

    await engine.advance(60_000);
    expect((await engine.state('c'))?.snapshot.value).toBe('awaitingApproval');
    const starts = (await engine.log('c')).filter((event) => event.type === 'step.started');
    expect(starts.map((event) => (event.data as { resumed?: boolean }).resumed)).toEqual([
      undefined,
      true,
    ]);
  });
});
