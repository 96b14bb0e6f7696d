import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import {
  type CustomFault,
  checkLifecycle,
  createTestEngine,
  machinePaths,
  replayHistories,
  runMachinePath,
} from '../../src/testing/index';

// How an app tests its own workflow with streamer-engine/testing. The
// starter app (examples/expense-approval) carries a copy of this file that
// imports 'streamer-engine/testing' and './workflows' instead.

const input = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2'] };
const DAY_MS = 24 * 3_600_000;

describe('expense approval', () => {
  it('waits days for the approval, pays out, and the client sees progress and the result', async () => {
    const engine = createTestEngine({ workflows: [expenseApproval] });
    await engine.start('expense_approval', input, { id: 'e1' });
    await engine.runUntilIdle();
    expect((await engine.state('e1'))?.snapshot.value).toBe('awaitingApproval');

    await engine.advance(3 * DAY_MS);
    await engine.signal('e1', { type: 'approve', approver: 'bob' });
    await engine.runUntilIdle();

    expect(await engine.view('e1')).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      result: { paid: true, transferId: 'tr-e1' },
    });
    const frames = engine.frames({ requestId: 'e1' }).map(({ frame }) => frame);
    expect(frames.map((frame) => frame.type)).toEqual([
      'progress',
      'progress',
      'progress',
      'complete',
    ]);
  });

  it('retries a failing payout with backoff, minutes of fake time in milliseconds', async () => {
    let calls = 0;
    const engine = createTestEngine({
      workflows: [expenseApproval],
      stubs: {
        payOut: async ({ requestId }) => {
          calls += 1;
          if (calls < 3) throw new Error('bank unavailable');
          return { transferId: `tr-${requestId}` };
        },
      },
    });
    await engine.start('expense_approval', input, { id: 'e2' });
    await engine.runUntilIdle();
    await engine.signal('e2', { type: 'approve', approver: 'bob' });
    await engine.runUntilIdle();
    expect(await engine.view('e2')).toMatchObject({ status: 'RETRYING', retryCount: 1 });

    await engine.advanceUntilIdle();
    expect(await engine.view('e2')).toMatchObject({ status: 'COMPLETED', retryCount: 2 });
    expect(calls).toBe(3);
  });

  it('keeps the lifecycle invariants under random schedules', async () => {
    const bankDown: CustomFault = {
      name: 'bank down',
      inject: () => {
        throw new Error('503 from the bank');
      },
    };
    await checkLifecycle(expenseApproval, {
      inputs: [input, { employee: 'bob', amountCents: 99, receipts: ['not-a-receipt'] }],
      signals: [{ type: 'approve', approver: 'carol' }],
      faults: ['fail', 'fatal', 'slow', bankDown],
      numRuns: 50,
    });
  }, 120_000);

  describe('every path of its machine', () => {
    const paths = machinePaths(expenseApproval, {
      input,
      outputs: { checkReceipts: { checked: 2 }, payOut: { transferId: 'tr-path' } },
      signals: [{ type: 'approve', approver: 'bob' }],
    });

    it('reaches every final state', () => {
      const ends = paths.map(
        (path) => `${JSON.stringify(path.expected.state)} ${path.expected.status}`,
      );
      expect(new Set(ends)).toEqual(
        new Set([
          '"paid" COMPLETED',
          '"rejected" COMPLETED',
          '"checking" FAILED',
          '"paying" FAILED',
        ]),
      );
    });

    for (const path of paths) {
      it(path.name, async () => {
        await runMachinePath(expenseApproval, path);
      });
    }
  });

  it('replays its golden histories (a changed machine needs a version bump)', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'histories');
    const results = replayHistories(dir, [expenseApproval]);
    expect(results.map((r) => r.result)).toContain('replayed');
  });
});
