import { setup } from 'xstate';
import { z } from 'zod';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { defineWorkflow } from '../../src/engine';
import { createEcho, createGenerateReport } from '../../src/workflows';

/** An approval-style workflow (like test/support/approvalWorkflow.ts) whose machine declares its events. */
const approval = defineWorkflow({
  action: 'approval',
  version: 1,
  estimatedDuration: 60_000,
  input: z.object({ subject: z.string() }),
  machine: setup({
    types: {} as {
      input: { subject: string };
      events: { type: 'APPROVE'; by: string } | { type: 'REJECT'; reason?: string };
      output: { approved: boolean };
    },
  }).createMachine({
    id: 'approval',
    initial: 'waiting',
    states: {
      waiting: { on: { APPROVE: 'approved', REJECT: 'rejected' } },
      approved: { type: 'final', output: { approved: true } },
      rejected: { type: 'final', output: { approved: false } },
    },
  }),
});

/**
 * A workflows module the way a user writes one: it exports `workflows`, an
 * array of `defineWorkflow` / `defineHandler` results. Clients import it
 * with `import type`, so none of this code reaches a client bundle.
 */
export const workflows = [
  createEcho(),
  createGenerateReport({ speed: 1 }),
  expenseApproval,
  approval,
];
