import fc from 'fast-check';
import type { Workflow } from '../../../src/engine';
import type { CheckLifecycleOptions } from '../../../src/testing';
import { createDemoWorkflows } from '../../../src/workflows';
import { createApprovalWorkflow } from './approvalWorkflow';

/** A workflow the project's own lifecycle model checks, with the inputs and signals it is driven by. */
export interface LifecycleCase {
  readonly name: string;
  readonly workflow: Workflow;
  readonly options: CheckLifecycleOptions<unknown>;
}

/**
 * The flaky, bulk and approval workflows (retries and the DLQ; checkpoints
 * and timeouts; signals), each checked with `checkLifecycle` from the kit.
 */
export function lifecycleCases(): LifecycleCase[] {
  const demos = createDemoWorkflows({ speed: 400 });
  return [
    {
      name: 'flaky_step',
      workflow: demos.flaky_step,
      options: {
        inputs: fc.record(
          { failures: fc.integer({ min: 0, max: 4 }), fatal: fc.boolean() },
          { requiredKeys: ['failures'] },
        ),
      },
    },
    {
      name: 'bulk_operation',
      workflow: demos.bulk_operation,
      options: {
        inputs: fc.record({
          items: fc.array(fc.nat(99), { minLength: 1, maxLength: 40 }),
          batch_size: fc.integer({ min: 2, max: 10 }),
        }),
      },
    },
    {
      name: 'approval',
      workflow: createApprovalWorkflow() as Workflow,
      options: {
        inputs: fc.record({ amount: fc.integer({ min: 1, max: 500 }) }),
        signals: [{ type: 'approve', by: 'boss' }, { type: 'reject' }],
      },
    },
  ];
}
