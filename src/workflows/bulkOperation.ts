import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, StepAbortedError, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  items: z.array(z.unknown()).min(1).max(10_000),
  batch_size: z.number().int().min(1).max(100).optional(),
});

/** Input of `bulk_operation`. */
export type BulkOperationInput = z.infer<typeof inputSchema>;

/** Output of `bulk_operation`. */
export interface BulkOperationOutput {
  readonly total_items: number;
  readonly processed: number;
  readonly batches: number;
  readonly batch_size: number;
  /** How many runs it took (1 unless it was suspended or crashed and resumed). */
  readonly resumed_from?: number;
}

/** The checkpoint saved after every batch. */
export interface BulkCheckpoint {
  /** Index of the first item not yet processed. */
  readonly next: number;
  readonly batches: number;
}

/** Default `batch_size`. */
export const DEFAULT_BATCH_SIZE = 10;

/**
 * `bulk_operation`: one long step that works through `items` in batches and
 * checkpoints after each, so a run that times out (or crashes) resumes at the
 * first unprocessed batch. About three seconds at speed 1, whatever the size.
 */
export function createBulkOperation({
  speed,
}: DemoOptions): Workflow<BulkOperationInput, BulkOperationOutput, 'bulk_operation'> {
  const processBatches = step<BulkOperationOutput, BulkOperationInput>(
    async ({ input, checkpoint, saveCheckpoint, progress, signal }) => {
      const saved = checkpoint as BulkCheckpoint | undefined;
      const size = input.batch_size ?? DEFAULT_BATCH_SIZE;
      const total = input.items.length;
      const batchCount = Math.ceil(total / size);
      const pause = Math.min(200, 3_000 / batchCount) / speed;
      let next = saved?.next ?? 0;
      let batches = saved?.batches ?? 0;
      while (next < total) {
        if (signal.aborted) throw signal.reason ?? new StepAbortedError('lost');
        await sleep(pause, signal);
        next = Math.min(total, next + size);
        batches += 1;
        await saveCheckpoint({ next, batches } satisfies BulkCheckpoint);
        progress.report(Math.floor((100 * next) / total), `Processed ${next} of ${total} items`);
      }
      return {
        total_items: total,
        processed: next,
        batches,
        batch_size: size,
        ...(saved ? { resumed_from: saved.next } : {}),
      };
    },
  );
  const machine = setup({
    types: {} as { input: BulkOperationInput; context: { result?: BulkOperationOutput } },
    actors: { processBatches },
  }).createMachine({
    id: 'bulk_operation',
    context: {},
    initial: 'processing',
    states: {
      processing: {
        invoke: {
          id: 'processBatches',
          src: 'processBatches',
          onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => context.result,
  });
  return defineWorkflow({
    action: 'bulk_operation',
    version: 1,
    estimatedDuration: 300_000,
    input: inputSchema,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 1_000 / speed,
      backoffRate: 2,
      maxDelayMs: 30_000 / speed,
    },
    machine,
  });
}
