import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step } from '../../../src/engine';

/**
 * A test workflow that waits for an external event: prepare → (approve |
 * reject) → pay, or end rejected.
 */
export function createApprovalWorkflow(version = 1) {
  const prepare = step<{ ticket: string }, { amount: number }>(async ({ input, progress }) => {
    progress.report(20, 'prepared');
    return { ticket: `T-${input.amount}` };
  });
  const pay = step<{ paid: number }, { amount: number }>(async ({ input, progress }) => {
    progress.report(100, 'paid');
    return { paid: input.amount };
  });
  const machine = setup({
    types: {} as {
      input: { amount: number };
      context: { amount: number; ticket?: string; paid?: number; approvedBy?: string };
      events: { type: 'approve'; by?: string } | { type: 'reject' };
    },
    actors: { prepare, pay },
  }).createMachine({
    id: 'approval',
    context: ({ input }) => ({ amount: input.amount }),
    initial: 'preparing',
    states: {
      preparing: {
        invoke: {
          id: 'prepare',
          src: 'prepare',
          onDone: {
            target: 'awaitingApproval',
            actions: assign({ ticket: ({ event }) => event.output.ticket }),
          },
        },
      },
      awaitingApproval: {
        on: {
          approve: {
            target: 'paying',
            actions: assign({ approvedBy: ({ event }) => event.by ?? 'someone' }),
          },
          reject: 'rejected',
        },
      },
      paying: {
        invoke: {
          id: 'pay',
          src: 'pay',
          onDone: { target: 'paid', actions: assign({ paid: ({ event }) => event.output.paid }) },
        },
      },
      paid: { type: 'final' },
      rejected: { type: 'final' },
    },
    output: ({ context }) => ({
      ticket: context.ticket,
      paid: context.paid ?? 0,
      approvedBy: context.approvedBy,
    }),
  });
  return defineWorkflow({
    action: 'approval',
    version,
    estimatedDuration: 3_600_000,
    input: z.object({ amount: z.number().positive() }),
    retry: { maxAttempts: 2, initialDelayMs: 100, backoffRate: 2, maxDelayMs: 1_000 },
    machine,
  });
}
