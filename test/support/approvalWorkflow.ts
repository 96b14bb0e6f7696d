import { setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, type Workflow } from '../../src/engine';

/**
 * A test workflow that waits for an external `APPROVE` (or `REJECT`) event —
 * the shape `signal` exists for. Async (estimated a minute), no steps.
 *
 * @example
 * const registry = createWorkflowRegistry([...Object.values(createDemoWorkflows()), createApprovalWorkflow()]);
 */
export function createApprovalWorkflow(): Workflow {
  return defineWorkflow({
    action: 'approval',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({ subject: z.string() }),
    // Who approves or rejects is a name, never an object rendered as "[object Object]".
    signals: {
      APPROVE: z.object({ type: z.literal('APPROVE'), by: z.string().min(1).max(128).optional() }),
      REJECT: z.object({ type: z.literal('REJECT'), by: z.string().min(1).max(128).optional() }),
    },
    machine: setup({ types: {} as { input: { subject: string } } }).createMachine({
      id: 'approval',
      initial: 'waiting',
      states: {
        waiting: { on: { APPROVE: 'approved', REJECT: 'rejected' } },
        approved: { type: 'final' },
        rejected: { type: 'final' },
      },
    }),
  }) as Workflow;
}
