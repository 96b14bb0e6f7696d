import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../src/engine';
import type { StoredEvent } from '../src/events/event';

/**
 * A workflow that runs the trivial step `tick` `ticks` times (re-entering its
 * state each time): the cheapest possible step, so the figures are the
 * engine's own cost.
 */
export function createLoopWorkflow(): Workflow<{ ticks: number }, { ticks: number }> {
  const tick = step<number, { ticks: number }, { n: number }>(
    async ({ stepInput }) => stepInput.n + 1,
  );
  const machine = setup({
    types: {} as { input: { ticks: number }; context: { n: number; ticks: number } },
    actors: { tick },
  }).createMachine({
    id: 'loop',
    context: ({ input }) => ({ n: 0, ticks: input.ticks }),
    initial: 'working',
    states: {
      working: {
        invoke: {
          id: 'tick',
          src: 'tick',
          input: ({ context }) => ({ n: context.n }),
          onDone: [
            {
              guard: ({ context, event }) => event.output >= context.ticks,
              target: 'done',
              actions: assign({ n: ({ event }) => event.output }),
            },
            {
              target: 'working',
              reenter: true,
              actions: assign({ n: ({ event }) => event.output }),
            },
          ],
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => ({ ticks: context.n }),
  });
  return defineWorkflow({
    action: 'bench_loop',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({ ticks: z.number().int().positive() }),
    machine,
  });
}

/**
 * A log of `size` events (±2) as the runner writes it for the loop workflow:
 * per tick `step.started`, `step.progress`, `step.completed`.
 */
export function loopLog(size: number): StoredEvent[] {
  const ticks = Math.max(1, Math.floor((size - 2) / 3));
  const events: StoredEvent[] = [];
  const push = (type: string, data: unknown): void => {
    events.push({
      requestKey: 'bench#1',
      seq: events.length + 1,
      type,
      at: 1_000 + events.length,
      tenantId: 'bench',
      userId: 'u',
      data,
      schemaVersion: 1,
    });
  };
  push('request.accepted', {
    action: 'bench_loop',
    workflowVersion: 1,
    input: { ticks },
    clientRequestId: '1',
    maxAttempts: 3,
  });
  for (let n = 0; n < ticks; n++) {
    push('step.started', { stepId: 'tick', attempt: 1, leaseUntil: 10_000_000 });
    push('step.progress', {
      stepId: 'tick',
      percentage: Math.floor((100 * n) / ticks),
      message: `tick ${n}`,
    });
    push('step.completed', { stepId: 'tick', output: n + 1 });
  }
  push('request.completed', { output: { ticks } });
  return events;
}
