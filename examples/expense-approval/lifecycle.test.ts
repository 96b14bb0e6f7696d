import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkLifecycle,
  createTestEngine,
  machinePaths,
  replayHistories,
  runMachinePath,
} from 'streamer-engine/testing';
import { expenseApproval } from './workflows';

// The workflow's lifecycle, tested with streamer-engine/testing: the real
// engine on an in-memory log with a fake clock, random schedules of crashes,
// retries and signals, every path of the machine, and the recorded history.

const input = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2'] };
const DAY_MS = 24 * 3_600_000;

test('waits days for the approval, then pays out (days of fake time in milliseconds)', async () => {
  const engine = createTestEngine({ workflows: [expenseApproval] });
  await engine.start('expense_approval', input, { id: 'e1' });
  await engine.runUntilIdle();
  await engine.advance(3 * DAY_MS);
  await engine.signal('e1', { type: 'approve', approver: 'bob' });
  await engine.runUntilIdle();
  const view = await engine.view('e1');
  assert.equal(view?.status, 'COMPLETED');
  assert.deepEqual(view?.result, { paid: true, transferId: 'tr-e1' });
});

test('keeps the lifecycle invariants under random schedules of crashes, retries and signals', async () => {
  await checkLifecycle(expenseApproval, {
    inputs: [input, { employee: 'bob', amountCents: 99, receipts: ['not-a-receipt'] }],
    signals: [{ type: 'approve', approver: 'carol' }],
    faults: ['fail', 'fatal', 'slow'],
    numRuns: 25,
  });
});

describe('every path of its machine', () => {
  const paths = machinePaths(expenseApproval, {
    input,
    outputs: { checkReceipts: { checked: 2 }, payOut: { transferId: 'tr-path' } },
    signals: [{ type: 'approve', approver: 'bob' }],
  });
  for (const path of paths)
    test(path.name, async () => {
      await runMachinePath(expenseApproval, path);
    });
});

test('replays its recorded history (a changed machine needs a version bump)', () => {
  const results = replayHistories(join(__dirname, 'histories'), [expenseApproval]);
  assert.ok(results.some((result) => result.result === 'replayed'));
});
