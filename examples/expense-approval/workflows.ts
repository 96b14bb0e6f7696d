import { defineWorkflow, NonRetryableError, step } from 'streamer-engine';
import { assign, setup } from 'xstate';
import { z } from 'zod';

// 1. The input, as a Standard Schema (zod here). The router validates every
//    request against it and answers VALIDATION_ERROR with path + message.
const input = z.object({
  employee: z.string().min(1),
  amountCents: z.number().int().positive(),
  receipts: z.array(z.string()).min(1),
});

// 2. Steps: plain async functions. The engine records each outcome; a step
//    that completed is never run again, even after a crash or a redeploy.
const checkReceipts = step<{ checked: number }, z.infer<typeof input>>(
  async ({ input, checkpoint, saveCheckpoint, progress, signal }) => {
    // Resume where the last run stopped (timeouts and crashes keep checkpoints).
    let checked = (checkpoint as { checked: number } | undefined)?.checked ?? 0;
    for (const receipt of input.receipts.slice(checked)) {
      signal.throwIfAborted(); // the runner is out of time or the request was cancelled
      if (!receipt.startsWith('rcpt-')) {
        throw new NonRetryableError(`${receipt} is not a receipt id`); // fails at once, no retries
      }
      checked += 1;
      await saveCheckpoint({ checked });
      progress.report((40 * checked) / input.receipts.length, `Checked ${checked} receipts`);
    }
    return { checked };
  },
);

const payOut = step<{ transferId: string }, z.infer<typeof input>, { approver: string }>(
  async ({ input, stepInput, requestId, progress }) => {
    // Throwing a plain Error here is retried with backoff (see `retry`).
    progress.report(100, `Paid ${input.amountCents} cents, approved by ${stepInput.approver}`);
    return { transferId: `tr-${requestId}` };
  },
);

// 3. The workflow: a plain XState v5 machine whose invoked actors are steps.
export const expenseApproval = defineWorkflow({
  action: 'expense_approval',
  version: 1, // bump whenever the machine changes
  estimatedDuration: 86_400_000, // > 5 s: runs durably, not inline
  input,
  retry: { maxAttempts: 4, initialDelayMs: 1_000, backoffRate: 2, maxDelayMs: 60_000 },
  // The events a client may `signal`, each with its schema: one that does not
  // match is refused with VALIDATION_ERROR, and nothing is stored.
  signals: {
    approve: z.object({ type: z.literal('approve'), approver: z.string().min(1).max(200) }),
    reject: z.object({ type: z.literal('reject'), reason: z.string().max(500).optional() }),
  },
  machine: setup({
    types: {} as {
      input: z.infer<typeof input>;
      context: { approver?: string; transferId?: string };
      events: { type: 'approve'; approver: string } | { type: 'reject' };
    },
    actors: { checkReceipts, payOut },
  }).createMachine({
    id: 'expense_approval',
    context: {},
    initial: 'checking',
    states: {
      checking: {
        invoke: { id: 'checkReceipts', src: 'checkReceipts', onDone: 'awaitingApproval' },
      },
      // Waits (without running anything) for a `signal` action from a client.
      awaitingApproval: {
        on: {
          approve: {
            target: 'paying',
            actions: assign({ approver: ({ event }) => event.approver }),
          },
          reject: 'rejected',
        },
      },
      paying: {
        invoke: {
          id: 'payOut',
          src: 'payOut',
          input: ({ context }) => ({ approver: context.approver ?? 'unknown' }),
          onDone: {
            target: 'paid',
            actions: assign({ transferId: ({ event }) => event.output.transferId }),
          },
        },
      },
      paid: { type: 'final' },
      rejected: { type: 'final' },
    },
    // The final state's output is the request's result (the `complete` frame).
    output: ({ context }) => ({
      paid: context.transferId !== undefined,
      transferId: context.transferId,
    }),
  }),
});

// 4. What `streamer dev` serves and the CDK construct bundles: every workflow of this module.
export const workflows = [expenseApproval];
