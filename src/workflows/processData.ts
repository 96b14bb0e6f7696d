import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  dataset_id: z.string().min(1),
  operation: z.string().min(1).optional(),
  operations: z.array(z.string().min(1)).min(1).max(20).optional(),
  output_format: z.enum(['json', 'csv', 'parquet']).optional(),
});

/** Input of `process_data`. */
export type ProcessDataInput = z.infer<typeof inputSchema>;

/** Output of `process_data`. */
export interface ProcessDataOutput {
  readonly dataset_id: string;
  readonly operations_applied: readonly string[];
  readonly records_processed: number;
  readonly output_format: string;
  readonly output_location: string;
}

/** The operations a request asks for: `operations`, else `[operation]`, else `['analyze']`. */
function operationsOf(input: ProcessDataInput): string[] {
  return input.operations ?? (input.operation ? [input.operation] : ['analyze']);
}

/**
 * `process_data`: load → transform (one progress report per operation) →
 * store, three durable steps, about three seconds at speed 1.
 */
export function createProcessData({
  speed,
}: DemoOptions): Workflow<ProcessDataInput, ProcessDataOutput, 'process_data'> {
  const load = step<{ records: number }, ProcessDataInput>(async ({ input, progress, signal }) => {
    progress.report(5, `Loading dataset ${input.dataset_id}`);
    await sleep(500 / speed, signal);
    progress.report(25, 'Dataset loaded');
    return { records: 1_000 + (input.dataset_id.length % 10) * 250 };
  });
  const transform = step<{ applied: string[] }, ProcessDataInput>(
    async ({ input, progress, signal }) => {
      const operations = operationsOf(input);
      const applied: string[] = [];
      for (const [index, operation] of operations.entries()) {
        await sleep(1_200 / speed / operations.length, signal);
        applied.push(operation);
        progress.report(
          25 + Math.round((50 * (index + 1)) / operations.length),
          `Applied ${operation}`,
        );
      }
      return { applied };
    },
  );
  const store = step<ProcessDataOutput, ProcessDataInput, { records: number; applied: string[] }>(
    async ({ input, stepInput, tenantId, requestId, progress, signal }) => {
      const format = input.output_format ?? 'json';
      // One place per tenant and request: two tenants (or two runs) on one dataset never share an output.
      const path = [tenantId, requestId].map(encodeURIComponent).join('/');
      progress.report(80, `Writing ${format}`);
      await sleep(500 / speed, signal);
      progress.report(100, 'Done');
      return {
        dataset_id: input.dataset_id,
        operations_applied: stepInput.applied,
        records_processed: stepInput.records,
        output_format: format,
        output_location: `s3://streamer-demo/processed/${path}/${encodeURIComponent(input.dataset_id)}.${format}`,
      };
    },
  );
  const machine = setup({
    types: {} as {
      input: ProcessDataInput;
      context: { records: number; applied: string[]; result?: ProcessDataOutput };
    },
    actors: { load, transform, store },
  }).createMachine({
    id: 'process_data',
    context: { records: 0, applied: [] },
    initial: 'loading',
    states: {
      loading: {
        invoke: {
          id: 'load',
          src: 'load',
          onDone: {
            target: 'transforming',
            actions: assign({ records: ({ event }) => event.output.records }),
          },
        },
      },
      transforming: {
        invoke: {
          id: 'transform',
          src: 'transform',
          onDone: {
            target: 'storing',
            actions: assign({ applied: ({ event }) => event.output.applied }),
          },
        },
      },
      storing: {
        invoke: {
          id: 'store',
          src: 'store',
          input: ({ context }) => ({ records: context.records, applied: context.applied }),
          onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => context.result,
  });
  return defineWorkflow({
    action: 'process_data',
    version: 1,
    estimatedDuration: 60_000,
    input: inputSchema,
    validate: (input) =>
      input.operation !== undefined && input.operations !== undefined
        ? [{ path: 'operations', message: 'give either operation or operations, not both' }]
        : undefined,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 1_000 / speed,
      backoffRate: 2,
      maxDelayMs: 30_000 / speed,
    },
    machine,
  });
}
