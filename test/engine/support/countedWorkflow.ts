import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from 'xstate';
import { z } from 'zod';
import { type ConcurrencyOptions, defineWorkflow, step, type Workflow } from '../../../src/engine';

/**
 * Counts the steps running at once, per tenant, over the whole time each
 * runs: from the first line of the step function to its last.
 */
export class RunningSteps {
  readonly #running = new Map<string, number>();
  readonly #most = new Map<string, number>();
  /** `<tenant>/<requestId>` in the order their steps started. */
  readonly started: string[] = [];

  enter(tenantId: string, requestId: string): void {
    const now = (this.#running.get(tenantId) ?? 0) + 1;
    this.#running.set(tenantId, now);
    this.#most.set(tenantId, Math.max(now, this.#most.get(tenantId) ?? 0));
    this.started.push(`${tenantId}/${requestId}`);
  }

  leave(tenantId: string): void {
    this.#running.set(tenantId, (this.#running.get(tenantId) ?? 1) - 1);
  }

  /** The most steps of `tenantId` ever running at once. */
  most(tenantId: string): number {
    return this.#most.get(tenantId) ?? 0;
  }
}

/**
 * `counted_job`: two steps, each taking `ms` of real time (honouring the
 * abort signal), counted by `probe`; `concurrency` as given.
 */
export function countedWorkflow(
  probe: RunningSteps,
  concurrency?: ConcurrencyOptions<{ ms: number; account?: string }>,
): Workflow {
  const work = step<number, { ms: number }>(async ({ input, tenantId, requestId, signal }) => {
    probe.enter(tenantId, requestId);
    try {
      await sleep(input.ms, undefined, { signal });
      return input.ms;
    } finally {
      probe.leave(tenantId);
    }
  });
  return defineWorkflow({
    action: 'counted_job',
    version: 1,
    estimatedDuration: 60_000,
    input: z.object({ ms: z.number(), account: z.string().optional() }),
    ...(concurrency && { concurrency }),
    machine: setup({ actors: { first: work, second: work } }).createMachine({
      id: 'counted_job',
      initial: 'one',
      states: {
        one: { invoke: { id: 'first', src: 'first', onDone: 'two' } },
        two: { invoke: { id: 'second', src: 'second', onDone: 'done' } },
        done: { type: 'final' },
      },
    }),
  }) as Workflow;
}

/** Where, among every step start, the last of the tenant's runs `<prefix>1 … <prefix>count` started its first step. */
export function lastFirstStart(
  probe: RunningSteps,
  tenantId: string,
  prefix: string,
  count: number,
): number {
  const firsts = Array.from({ length: count }, (_, i) =>
    probe.started.indexOf(`${tenantId}/${prefix}${i + 1}`),
  );
  return Math.max(...firsts);
}
