import {
  type Admission,
  admitAttempt,
  type CircuitChange,
  type CircuitStore,
  recordOutcome,
} from './circuit';
import type { EngineLogger } from './logger';
import type { DependencyOptions } from './stepOptions';

/** A circuit change as a run reports it (for a metric beside the log line). */
export interface CircuitReport {
  readonly dependency: string;
  readonly tenantId: string;
  readonly change: CircuitChange;
}

/** What a {@link DependencyGuard} needs. @internal */
export interface DependencyGuardDeps {
  readonly store: CircuitStore;
  readonly clock: () => number;
  readonly logger: EngineLogger;
}

/** Who asks: the tenant whose circuit it is, and the attempt's prober id. @internal */
export interface GuardedAttempt {
  readonly tenantId: string;
  readonly dependency: DependencyOptions;
  /** `<requestKey>/<stepId>`: the same for every attempt of one step invocation. */
  readonly prober: string;
}

/** Optimistic writes give up after this many conflicts in a row: the breaker is advice, never a lock. */
const MAX_CONFLICTS = 5;

/**
 * The runner's side of the circuit breakers: reads and writes each
 * dependency's circuit through the store with optimistic concurrency. A
 * circuit is per tenant and dependency, so one tenant's failures never
 * hold back another's attempts. Store failures let the attempt run (the
 * breaker must never make an outage worse) and are logged.
 * @internal
 */
export class DependencyGuard {
  readonly #deps: DependencyGuardDeps;
  readonly #changes: CircuitReport[] = [];

  constructor(deps: DependencyGuardDeps) {
    this.#deps = deps;
  }

  /** Circuit changes this guard made, in order. */
  get changes(): readonly CircuitReport[] {
    return this.#changes;
  }

  /** Whether the attempt may run now (as itself or as the probe), or until when it waits. */
  async admit(attempt: GuardedAttempt, probeUntil: number): Promise<Admission> {
    const key = circuitKey(attempt);
    try {
      for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
        const stored = await this.#deps.store.read(key);
        const now = this.#deps.clock();
        const request = { now, prober: attempt.prober, probeUntil };
        const admission = admitAttempt(stored?.state, request, attempt.dependency.circuit);
        if (admission.kind !== 'probe' || !admission.next) return admission;
        const written = await this.#deps.store.write(key, admission.next, stored?.version ?? 0);
        if (written === 'written') return { kind: 'probe' };
      }
    } catch (error) {
      this.#warn('circuit not read', attempt, error);
    }
    return { kind: 'allow' };
  }

  /** Counts an attempt's outcome; a change of state is logged and reported. */
  async record(attempt: GuardedAttempt, ok: boolean): Promise<void> {
    const key = circuitKey(attempt);
    try {
      for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
        const stored = await this.#deps.store.read(key);
        const outcome = { ok, now: this.#deps.clock(), prober: attempt.prober };
        const recorded = recordOutcome(stored?.state, outcome, attempt.dependency.circuit);
        if (!recorded) return;
        const written = await this.#deps.store.write(key, recorded.next, stored?.version ?? 0);
        if (written === 'conflict') continue;
        if (recorded.change) this.#report(attempt, recorded.change, recorded.next);
        return;
      }
      this.#warn('circuit outcome not counted (contended)', attempt);
    } catch (error) {
      this.#warn('circuit outcome not counted', attempt, error);
    }
  }

  #report(attempt: GuardedAttempt, change: CircuitChange, next: unknown): void {
    const { tenantId, dependency } = attempt;
    this.#changes.push({ dependency: dependency.dependency, tenantId, change });
    const message = change === 'closed' ? 'circuit closed' : 'circuit opened';
    this.#deps.logger.warn(message, {
      tenant_id: tenantId,
      dependency: dependency.dependency,
      change,
      circuit: next,
    });
  }

  #warn(message: string, attempt: GuardedAttempt, error?: unknown): void {
    this.#deps.logger.warn(message, {
      tenant_id: attempt.tenantId,
      dependency: attempt.dependency.dependency,
      ...(error !== undefined && { error: String(error) }),
    });
  }
}

/** The circuit of one dependency for one tenant. */
function circuitKey(attempt: GuardedAttempt): string {
  return `${attempt.tenantId}#${attempt.dependency.dependency}`;
}
