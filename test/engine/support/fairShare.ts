import { expect } from 'vitest';
import type { WorkflowRegistry } from '../../../src/engine';
import type { EventStore } from '../../../src/events/eventStore';
import { toRequestKey } from '../../../src/events/requestKey';
import { foldRequestView } from '../../../src/projections/requestView';
import { lastFirstStart, type RunningSteps } from './countedWorkflow';
import { checkInvariants } from './invariants';

/**
 * The fair share of #19, after tenant A's 10 runs (`a1`…`a10`) and tenant
 * B's 2 (`b1`, `b2`) under a limit of 2 per tenant: A never had more than 2
 * running, B was never queued and its first steps started before A's line
 * drained, and all 12 completed with their invariants.
 */
export async function expectFairShare(
  store: EventStore,
  registry: WorkflowRegistry,
  probe: RunningSteps,
): Promise<void> {
  expect(probe.most('tenant-a')).toBe(2);
  for (const n of [1, 2]) {
    const log = await store.read(toRequestKey('tenant-b', `b${n}`));
    expect(log.map((event) => event.type)).not.toContain('request.queued');
  }
  // B's first steps start before A's queue has drained: B waited for none of A's runs.
  const firstB = probe.started.findIndex((run) => run.startsWith('tenant-b/'));
  expect(firstB).toBeLessThan(lastFirstStart(probe, 'tenant-a', 'a', 10));
  for (const [tenant, prefix, count] of [
    ['tenant-a', 'a', 10],
    ['tenant-b', 'b', 2],
  ] as const) {
    for (let n = 1; n <= count; n++) {
      const log = await store.read(toRequestKey(tenant, `${prefix}${n}`));
      expect(foldRequestView(log)?.status).toBe('COMPLETED');
      checkInvariants(registry, log, [], true);
    }
  }
}
