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
 * and timeouts; signals), the reminder (durable timers racing signals), the
 * image resize (`map`: many steps at once) and the trip booking (parallel
 * steps, a `charge_card` child, compensation), each checked with
 * `checkLifecycle` from the kit.
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
    {
      name: 'reminder',
      workflow: demos.reminder as Workflow,
      options: {
        inputs: fc.record({
          message: fc.constantFrom('stand up', 'stretch'),
          delay_ms: fc.integer({ min: 100, max: 3_600_000 }),
        }),
        signals: [{ type: 'snooze' }, { type: 'dismiss' }],
      },
    },
    {
      name: 'resize_images',
      workflow: demos.resize_images as Workflow,
      options: {
        inputs: fc.record(
          {
            images: fc.array(fc.constantFrom('a.png', 'b.jpg', 'c.gif'), {
              minLength: 1,
              maxLength: 12,
            }),
            concurrency: fc.integer({ min: 1, max: 4 }),
          },
          { requiredKeys: ['images'] },
        ),
      },
    },
    {
      name: 'trip_booking',
      workflow: demos.trip_booking as Workflow,
      options: {
        children: [demos.charge_card as Workflow],
        inputs: fc.record(
          {
            destination: fc.constantFrom('Lisbon', 'Oslo'),
            nights: fc.integer({ min: 1, max: 5 }),
            amount_cents: fc.nat(100_000),
            fail_hotel: fc.boolean(),
            decline_payment: fc.boolean(),
          },
          { requiredKeys: ['destination', 'nights', 'amount_cents'] },
        ),
      },
    },
  ];
}
