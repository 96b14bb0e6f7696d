import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, NonRetryableError, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  /** How many attempts of the `call` step fail, in all, before one succeeds (default 1); counted across redrives. */
  failures: z.number().int().min(0).max(10).optional(),
  /** Fail with a non-retryable error instead (the request fails at once). */
  fatal: z.boolean().optional(),
});

/** Input of `flaky_step`. */
export type FlakyStepInput = z.infer<typeof inputSchema>;

/** Output of `flaky_step`. */
export interface FlakyStepOutput {
  readonly succeeded_on_attempt: number;
  readonly prepared_at: string;
}

/** Attempts per step of `flaky_step`: `failures` ≥ this dead-letters the request. */
export const FLAKY_MAX_ATTEMPTS = 3;

/**
 * `flaky_step`: prepare → call, where `call` fails its first `failures`
 * attempts (retryable) and then succeeds; with `fatal: true` it fails for
 * good on the first attempt. For tests and demos of retries and the DLQ.
 */
export function createFlakyStep({
  speed,
}: DemoOptions): Workflow<FlakyStepInput, FlakyStepOutput, 'flaky_step'> {
  const prepare = step<{ prepared_at: string }, FlakyStepInput>(
    async ({ progress, signal, now }) => {
      progress.report(10, 'Preparing');
      await sleep(100 / speed, signal);
      return { prepared_at: new Date(now()).toISOString() };
    },
  );
  const call = step<FlakyStepOutput, FlakyStepInput, { prepared_at: string }>(
    async ({ input, stepInput, attempt, checkpoint, saveCheckpoint, progress, signal }) => {
      progress.report(50, `Calling the flaky service (attempt ${attempt})`);
      await sleep(200 / speed, signal);
      if (input.fatal)
        throw new NonRetryableError('The flaky service refused the request', {
          details: { attempt },
        });
      // Failures are counted in the step's checkpoint, which survives retries
      // and redrives: `failures: 3` fails three times in all, so a request
      // dead-lettered after three attempts completes once it is redriven.
      const failed = (checkpoint as { failed: number } | undefined)?.failed ?? 0;
      if (failed < (input.failures ?? 1)) {
        await saveCheckpoint({ failed: failed + 1 });
        throw new Error(`The flaky service failed (attempt ${attempt})`);
      }
      progress.report(100, `Succeeded on attempt ${attempt}`);
      return { succeeded_on_attempt: attempt, prepared_at: stepInput.prepared_at };
    },
  );
  const machine = setup({
    types: {} as {
      input: FlakyStepInput;
      context: { prepared_at: string; result?: FlakyStepOutput };
    },
    actors: { prepare, call },
  }).createMachine({
    id: 'flaky_step',
    context: { prepared_at: '' },
    initial: 'preparing',
    states: {
      preparing: {
        invoke: {
          id: 'prepare',
          src: 'prepare',
          onDone: {
            target: 'calling',
            actions: assign({ prepared_at: ({ event }) => event.output.prepared_at }),
          },
        },
      },
      calling: {
        invoke: {
          id: 'call',
          src: 'call',
          input: ({ context }) => ({ prepared_at: context.prepared_at }),
          onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => context.result,
  });
  return defineWorkflow({
    action: 'flaky_step',
    version: 1,
    estimatedDuration: 30_000,
    input: inputSchema,
    retry: {
      maxAttempts: FLAKY_MAX_ATTEMPTS,
      initialDelayMs: 200 / speed,
      backoffRate: 2,
      maxDelayMs: 2_000 / speed,
    },
    machine,
  });
}
