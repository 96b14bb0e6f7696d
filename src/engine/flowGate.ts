import type { NewEvent } from '../events/event';
import type { CircuitStore } from './circuit';
import type { StepStart } from './decide';
import { type CircuitReport, DependencyGuard, type GuardedAttempt } from './dependencyGuard';
import type { EngineLogger } from './logger';
import { toRecordedError } from './recordedError';
import type { RunLog } from './runLog';
import { type EndedReleases, RunSlots, type SlotEnd } from './runSlots';
import type { SlotStore } from './slotStore';
import type { AttemptResult } from './stepAttempt';
import { dependencyOf } from './stepOptions';

/**
 * Flow control of the runner (`docs/flow-control.md`): concurrency slots
 * and dependency circuits. Every part is optional; none at all runs every
 * due step at once, as before.
 */
export interface FlowControl {
  /** Where concurrency slots are kept; absent: no concurrency limits. */
  readonly slots?: SlotStore;
  /** The limit per tenant of every workflow without its own `concurrency`; absent: none. */
  readonly defaultConcurrencyPerTenant?: number;
  /** Where dependency circuits are kept; absent: no circuit breakers. */
  readonly circuits?: CircuitStore;
  /** Ids of runs (they fence slot holdings); default `crypto.randomUUID`. @internal */
  readonly newRunId?: () => string;
  /**
   * Remembers the ended requests whose slot this process gave back, so each
   * later wake-up of one costs no write (`new EndedReleases()`, one per
   * process). Absent: every wake-up of an ended request gives it back again.
   */
  readonly endedReleases?: EndedReleases;
}

/** What flow control did in a run, for the caller's wake-ups, logs and metrics. */
export interface FlowReport {
  /** Request keys of queued runs a released slot lets start: wake them now. */
  readonly wake?: readonly string[];
  /** How long the request waited in line before this run took its slot. */
  readonly queueWaitMs?: number;
  /** Circuits this run opened or closed. */
  readonly circuits?: readonly CircuitReport[];
}

/** The steps a run may start now, or why none may. @internal */
export type Gated =
  | {
      readonly kind: 'go';
      readonly allowed: readonly StepStart[];
      /** `step.deferred` events of the steps their circuit holds back; appended before the starts. */
      readonly deferred: readonly NewEvent[];
    }
  | {
      readonly kind: 'queued';
      readonly position: number;
      readonly recheckAt: number;
      /** `request.queued`, when the request's place in line is news. */
      readonly events: readonly NewEvent[];
    };

/** What a {@link FlowGate} needs. @internal */
export interface FlowGateDeps {
  readonly flow: FlowControl | undefined;
  readonly clock: () => number;
  readonly remainingTimeMs: () => number;
  readonly logger: EngineLogger;
}

/**
 * The runner's gate before step starts: the request's concurrency slot
 * first (queue when none is free), then each step's dependency circuit
 * (defer when open; the first attempt after it may be probed becomes the
 * probe, keeping its attempt number). After the run, the slot goes back
 * when the run has nothing left to run now.
 * @internal
 */
export class FlowGate {
  readonly #log: RunLog;
  readonly #slots: RunSlots;
  readonly #guard: DependencyGuard | undefined;

  constructor(deps: FlowGateDeps, log: RunLog) {
    this.#log = log;
    const flow = deps.flow ?? {};
    const run = (flow.newRunId ?? (() => globalThis.crypto.randomUUID()))();
    this.#slots = new RunSlots(
      {
        ...deps,
        store: flow.slots,
        defaultPerTenant: flow.defaultConcurrencyPerTenant,
        run,
        endedReleases: flow.endedReleases,
      },
      log,
    );
    this.#guard = flow.circuits && new DependencyGuard({ ...deps, store: flow.circuits });
  }

  /** Gates `starts` (the due steps this run does not run yet); `leaseUntil` bounds a probe. */
  async gate(starts: readonly StepStart[], inFlight: number, leaseUntil: number): Promise<Gated> {
    const slot = await this.#slots.admit(inFlight);
    if (slot.kind === 'queued') {
      const queued = this.#log.state.queued;
      const news = queued?.position !== slot.position || queued.limit !== slot.limit;
      const event = this.#log.event('request.queued', {
        position: slot.position,
        limit: slot.limit,
      });
      return { ...slot, events: news ? [event] : [] };
    }
    const allowed: StepStart[] = [];
    const deferred: NewEvent[] = [];
    for (const start of starts) {
      const attempt = this.#guarded(start.invocation.stepId);
      if (!attempt || !this.#guard) {
        allowed.push(start);
        continue;
      }
      const admission = await this.#guard.admit(attempt, leaseUntil);
      if (admission.kind === 'allow') allowed.push(start);
      else if (admission.kind === 'probe') allowed.push(this.#probe(start));
      else deferred.push(this.#deferred(attempt, start, admission));
    }
    return { kind: 'go', allowed, deferred };
  }

  /** Counts a settled attempt in its dependency's circuit: answered (success, or a non-retryable error) or failed. */
  async settled(stepId: string, result: AttemptResult): Promise<void> {
    const attempt = this.#guarded(stepId);
    if (!attempt || !this.#guard) return;
    if (result.kind !== 'completed' && result.kind !== 'failed') return;
    const ok = result.kind === 'completed' || !toRecordedError(result.error).retryable;
    await this.#guard.record(attempt, ok);
  }

  /** After the run stopped: gives the slot back as `end` says; what flow control did. */
  async finish(end: SlotEnd): Promise<FlowReport | undefined> {
    const wake = await this.#slots.release(end);
    const queueWaitMs = this.#slots.queueWaitMs;
    const circuits = this.#guard?.changes ?? [];
    const report: FlowReport = {
      ...(wake.length > 0 && { wake }),
      ...(queueWaitMs !== undefined && { queueWaitMs }),
      ...(circuits.length > 0 && { circuits }),
    };
    return Object.keys(report).length > 0 ? report : undefined;
  }

  #guarded(stepId: string): GuardedAttempt | undefined {
    const state = this.#log.state;
    const invocation = state.steps.get(stepId);
    const logic = (invocation?.actorRef as unknown as { logic?: unknown } | undefined)?.logic;
    const dependency = dependencyOf(logic);
    if (!dependency) return undefined;
    return { tenantId: state.tenantId, dependency, prober: `${state.requestKey}/${stepId}` };
  }

  /** A probe keeps the attempt number it would have retried: a failed probe uses up no attempt. */
  #probe(start: StepStart): StepStart {
    if (start.resumed) return { ...start, probe: true };
    return { ...start, attempt: Math.max(1, start.invocation.attempt), probe: true };
  }

  #deferred(
    attempt: GuardedAttempt,
    start: StepStart,
    admission: { readonly until: number; readonly circuit: 'open' | 'half_open' },
  ): NewEvent {
    return this.#log.event('step.deferred', {
      stepId: start.invocation.stepId,
      dependency: attempt.dependency.dependency,
      until: admission.until,
      circuit: admission.circuit,
    });
  }
}
