import type { StepContext, Workflow } from '../engine';
import { slotDemandOf } from '../engine/concurrency';
import { toRequestKey } from '../events/requestKey';
import { InvariantViolation } from './errors';

/**
 * Watches the concurrency limits while steps run: per slot key (the
 * workflow's own `concurrency`, or the default limit per tenant), which
 * requests have a step running — from a step's call until its promise
 * settles — and notes every moment a key has more than its limit. A note,
 * not a throw: a throw inside a step would be recorded as its failure.
 * @internal
 */
export class SlotWatch {
  readonly #defaultPerTenant: number;
  /** Requests with a step running, per slot key: request key → steps running. */
  readonly #running = new Map<string, Map<string, number>>();
  readonly #violations: InvariantViolation[];

  constructor(defaultPerTenant: number, violations: InvariantViolation[]) {
    this.#defaultPerTenant = defaultPerTenant;
    this.#violations = violations;
  }

  /** A step of the request `context` names starts; returns what to call when it settles. */
  enter(workflow: Workflow, context: StepContext): () => void {
    const state = { tenantId: context.tenantId, action: workflow.action, input: context.input };
    const demand = slotDemandOf({ ...state, workflow }, this.#defaultPerTenant);
    if (!demand) return () => undefined;
    const requestKey = toRequestKey(context.tenantId, context.requestId);
    const requests = this.#running.get(demand.key) ?? new Map<string, number>();
    this.#running.set(demand.key, requests);
    requests.set(requestKey, (requests.get(requestKey) ?? 0) + 1);
    if (requests.size > demand.limit) this.#note(demand, requestKey, [...requests.keys()]);
    return () => {
      const left = (requests.get(requestKey) ?? 1) - 1;
      if (left > 0) requests.set(requestKey, left);
      else requests.delete(requestKey);
    };
  }

  #note(demand: { key: string; limit: number }, requestKey: string, running: string[]): void {
    this.#violations.push(
      new InvariantViolation({
        invariant: 'concurrency limit (no run starts past it)',
        requestKey,
        detail: `${running.length} requests of ${demand.key} run a step at once (${running.join(', ')}), limit ${demand.limit}`,
      }),
    );
  }
}
