import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  message: z.string(),
  timestamp: z.union([z.string(), z.number()]).optional(),
});

/** Input of `echo_async`. */
export type EchoAsyncInput = z.infer<typeof inputSchema>;

/** Output of `echo_async`. */
export interface EchoAsyncOutput {
  readonly echo: string;
  readonly timestamp?: string | number;
  readonly received_at: string;
  readonly processed_at: string;
}

/**
 * `echo_async`: a short two-step echo with progress (received → echoed).
 * About one second at speed 1.
 */
export function createEchoAsync({
  speed,
}: DemoOptions): Workflow<EchoAsyncInput, EchoAsyncOutput, 'echo_async'> {
  const receive = step<{ received_at: string }, EchoAsyncInput>(
    async ({ progress, signal, now }) => {
      progress.report(10, 'Message received');
      await sleep(400 / speed, signal);
      progress.report(50, 'Preparing echo');
      return { received_at: new Date(now()).toISOString() };
    },
  );
  const respond = step<EchoAsyncOutput, EchoAsyncInput, { received_at: string }>(
    async ({ input, stepInput, progress, signal, now }) => {
      progress.report(75, 'Echoing');
      await sleep(400 / speed, signal);
      progress.report(100, 'Echo complete');
      return {
        echo: input.message,
        ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
        received_at: stepInput.received_at,
        processed_at: new Date(now()).toISOString(),
      };
    },
  );
  const machine = setup({
    types: {} as {
      input: EchoAsyncInput;
      context: { received_at?: string; result?: EchoAsyncOutput };
    },
    actors: { receive, respond },
  }).createMachine({
    id: 'echo_async',
    context: {},
    initial: 'receiving',
    states: {
      receiving: {
        invoke: {
          id: 'receive',
          src: 'receive',
          onDone: {
            target: 'responding',
            actions: assign({ received_at: ({ event }) => event.output.received_at }),
          },
        },
      },
      responding: {
        invoke: {
          id: 'respond',
          src: 'respond',
          input: ({ context }) => ({ received_at: context.received_at ?? '' }),
          onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => context.result,
  });
  return defineWorkflow({
    action: 'echo_async',
    version: 1,
    estimatedDuration: 10_000,
    input: inputSchema,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 500 / speed,
      backoffRate: 2,
      maxDelayMs: 5_000 / speed,
    },
    machine,
  });
}
