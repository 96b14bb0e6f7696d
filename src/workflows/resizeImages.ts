import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, map, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  images: z.array(z.string().min(1).max(200)).min(1).max(10_000),
  /** Images resized at once, 1–32 (default 8). */
  concurrency: z.number().int().min(1).max(32).optional(),
});

/** Input of `resize_images`. */
export type ResizeImagesInput = z.infer<typeof inputSchema>;

/** Output of `resize_images`: one thumbnail per image, in the images' order. */
export interface ResizeImagesOutput {
  readonly thumbnails: string[];
}

/**
 * `resize_images`: fan-out over a list with `map`. One function call per
 * image, a bounded number at a time, checkpointed so 10,000 images survive
 * timeouts; the thumbnails come back in the images' order.
 */
export function createResizeImages({
  speed,
}: DemoOptions): Workflow<ResizeImagesInput, ResizeImagesOutput, 'resize_images'> {
  const resizeAll = map<string, string, ResizeImagesInput>({
    items: ({ input }) => input.images,
    run: async (image, { signal }) => {
      await sleep(50 / speed, signal);
      return `thumb-${image}`;
    },
    concurrency: 8,
    checkpointEvery: 50,
  });
  const machine = setup({
    types: {} as { input: ResizeImagesInput; context: { thumbnails: string[] } },
    actors: { resizeAll },
  }).createMachine({
    id: 'resize_images',
    context: { thumbnails: [] },
    initial: 'resizing',
    states: {
      resizing: {
        invoke: {
          id: 'resizeAll',
          src: 'resizeAll',
          onDone: { target: 'done', actions: assign({ thumbnails: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => ({ thumbnails: context.thumbnails }),
  });
  return defineWorkflow({
    action: 'resize_images',
    version: 1,
    estimatedDuration: 120_000,
    input: inputSchema,
    machine,
  });
}
