import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, NonRetryableError, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  amount_cents: z.number().int().min(0),
  card: z.string().min(1).max(64),
  /** Make the card decline (a failure no retry fixes). */
  decline: z.boolean().optional(),
});

/** Input of `charge_card`. */
export type ChargeCardInput = z.infer<typeof inputSchema>;

/** Output of `charge_card`. */
export interface ChargeCardOutput {
  readonly charge_id: string;
  readonly amount_cents: number;
}

/**
 * `charge_card`: a one-step payment, and the child workflow `trip_booking`
 * starts for its payment. A declined card fails at once (no retries).
 */
export function createChargeCard({
  speed,
}: DemoOptions): Workflow<ChargeCardInput, ChargeCardOutput, 'charge_card'> {
  const authorize = step<ChargeCardOutput, ChargeCardInput>(
    async ({ input, requestId, progress, signal }) => {
      progress.report(20, `Authorizing ${input.amount_cents} cents`);
      await sleep(300 / speed, signal);
      if (input.decline) throw new NonRetryableError(`Card ${input.card} was declined`);
      progress.report(100, 'Charged');
      return { charge_id: `ch-${encodeURIComponent(requestId)}`, amount_cents: input.amount_cents };
    },
  );
  const machine = setup({
    types: {} as { input: ChargeCardInput; context: { charge?: ChargeCardOutput } },
    actors: { authorize },
  }).createMachine({
    id: 'charge_card',
    context: {},
    initial: 'authorizing',
    states: {
      authorizing: {
        invoke: {
          id: 'authorize',
          src: 'authorize',
          onDone: { target: 'charged', actions: assign({ charge: ({ event }) => event.output }) },
        },
      },
      charged: { type: 'final' },
    },
    output: ({ context }) => context.charge,
  });
  return defineWorkflow({
    action: 'charge_card',
    version: 1,
    estimatedDuration: 10_000,
    input: inputSchema,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 200 / speed,
      backoffRate: 2,
      maxDelayMs: 2_000 / speed,
    },
    machine,
  });
}
