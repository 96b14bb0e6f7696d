/**
 * Records the expense approval's golden history:
 * `npx tsx test/testing/histories/record.ts`.
 *
 * Run it after bumping the workflow's `version` (never to silence a failing
 * replay without one). It writes `expense_approval.v<version>.json` and
 * leaves older versions' files in place: they keep proving they are refused.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expenseApproval } from '../../../examples/expense-approval/workflows';
import { createTestEngine, recordHistory } from '../../../src/testing/index';

const file = join(
  dirname(fileURLToPath(import.meta.url)),
  `${expenseApproval.action}.v${expenseApproval.version}.json`,
);
if (existsSync(file) && !process.argv.includes('--force')) {
  console.log(`kept  ${file} (exists; --force to overwrite)`);
} else {
  const engine = createTestEngine({ workflows: [expenseApproval] });
  const input = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2'] };
  await engine.start(expenseApproval.action, input, { id: 'golden' });
  await engine.runUntilIdle();
  await engine.advance(2 * 24 * 3_600_000); // the manager takes two days
  await engine.signal('golden', { type: 'approve', approver: 'bob' });
  await engine.runUntilIdle();
  const history = await recordHistory(engine, 'golden', { file });
  console.log(`wrote ${file} (${history.events.length} events)`);
}
