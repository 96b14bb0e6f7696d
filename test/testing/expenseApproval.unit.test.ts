import { describe, it } from 'vitest';
import { checkLifecycle } from '../../src/testing/checkLifecycle';
import { expenseApproval } from '../../src/workflows/examples/expenseApproval';

describe('expense approval', () => {
  it('keeps the lifecycle invariants', async () => {
    const report = await checkLifecycle(expenseApproval, {
      inputs: [
        { employee: 'ann', amountCents: 1200, receipts: ['rcpt-1', 'rcpt-2'] },
        { employee: 'bob', amountCents: 99, receipts: ['bogus'] },
      ],
      signals: [{ type: 'approve', approver: 'carol' }],
      numRuns: 50,
    });
    console.log(report);
  }, 120_000);
});
