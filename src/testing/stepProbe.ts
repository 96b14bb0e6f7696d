import {
  NonRetryableError,
  type StepContext,
  type StepFunction,
  step,
  type Workflow,
} from '../engine';
import { stepFunctionOf } from '../engine/step';
import { dependencyOf } from '../engine/stepOptions';
import { toRequestKey } from '../events/requestKey';
import type { Activity } from './activity';
import { InvariantViolation } from './errors';
import type { FakeTime } from './fakeTime';
import { SlotWatch } from './slotWatch';

/**
 * Step functions to run instead of the workflow's own, by actor name (`setup({ actors })`).
 *
 * @example
 * const stubs: StepStubs = { payOut: async ({ requestId }) => ({ transferId: `stub-${requestId}` }) };
 */
export type StepStubs = Readonly<Record<string, StepFunction>>;

/**
 * A fault injected into the first step attempt of a run:
 * `fail` throws a retryable error, `fatal` a `NonRetryableError`, and
 * `slow` makes the attempt take a long while of fake time before it goes on
 * (it wakes early, rejecting, when its signal aborts — a well-behaved step).
 * A {@link CustomFault} is your own injector.
 *
 * @example
 * await checkLifecycle(workflow, { inputs, faults: ['slow'] }); // timeouts and resumes only
 */
export type StepFault = 'fail' | 'fatal' | 'slow' | CustomFault;

/**
 * A fault of your own: runs before the step (throw to fail the attempt,
 * `sleep` to make it take fake time), then the step runs as usual.
 *
 * @example
 * const rateLimited: CustomFault = {
 *   name: 'rate limited',
 *   inject: () => { throw Object.assign(new Error('429 from the bank'), { retryable: true }); },
 * };
 * await checkLifecycle(expenseApproval, { inputs, faults: ['slow', rateLimited] });
 */
export interface CustomFault {
  /** Shown in the schedule's history. */
  readonly name: string;
  inject(
    context: StepContext,
    time: { sleep(ms: number, signal?: AbortSignal): Promise<void> },
  ): Promise<void> | void;
}

/** A fault's name as the history shows it. */
export function faultName(fault: StepFault | 'none'): string {
  return typeof fault === 'string' ? fault : fault.name;
}

/**
 * Fake time a `slow` fault takes (10 s: beyond a tight budget, well within an ample one).
 *
 * @example
 * await engine.advance(SLOW_STEP_MS); // a slow step under an ample budget is done by now
 */
export const SLOW_STEP_MS = 10_000;

/**
 * Watches every step function the test engine runs: counts how many run at
 * once per request and step — from the call until its promise settles
 * (invariant 4) — and how often each was called, and injects armed faults.
 * @internal
 */
export class StepProbe {
  readonly #activity: Activity;
  readonly #time: FakeTime;
  readonly #active = new Map<string, number>();
  readonly #calls = new Map<string, number>();
  readonly #armed = new Map<string, StepFault>();
  readonly #violations: InvariantViolation[] = [];
  #entered: ((requestKey: string) => void) | undefined;
  #slots: SlotWatch | undefined;

  constructor(activity: Activity, time: FakeTime) {
    this.#activity = activity;
    this.#time = time;
  }

  /** Overlaps seen since the last call (and forgets them). */
  takeViolations(): InvariantViolation[] {
    return this.#violations.splice(0);
  }

  /** How many times the step `stepId` of `requestKey` was called. */
  calls(requestKey: string, stepId: string): number {
    return this.#calls.get(`${requestKey}/${stepId}`) ?? 0;
  }

  /** How many step functions are running right now. */
  get running(): number {
    let total = 0;
    for (const count of this.#active.values()) total += count;
    return total;
  }

  /** Injects `fault` into the next step attempt of `requestKey`; `undefined` disarms. */
  arm(requestKey: string, fault: StepFault | undefined): void {
    if (fault) this.#armed.set(requestKey, fault);
    else this.#armed.delete(requestKey);
  }

  /**
   * From now on, notes (as a violation) every moment more requests of one
   * concurrency key run a step than its limit: the workflow's own
   * `concurrency`, or `defaultPerTenant` runs per tenant and workflow.
   */
  watchConcurrency(defaultPerTenant: number): void {
    this.#slots = new SlotWatch(defaultPerTenant, this.#violations);
  }

  /** Called whenever a step function starts (for tests that wait for one). */
  onEntered(listener: ((requestKey: string) => void) | undefined): void {
    this.#entered = listener;
  }

  /** `fn` (a step of `workflow`) wrapped with the counting and the fault injection. */
  wrap(fn: StepFunction, workflow: Workflow): StepFunction {
    return async (context) => {
      const requestKey = toRequestKey(context.tenantId, context.requestId);
      const key = `${requestKey}/${context.stepId}`;
      const running = (this.#active.get(key) ?? 0) + 1;
      this.#active.set(key, running);
      this.#calls.set(key, (this.#calls.get(key) ?? 0) + 1);
      if (running > 1) {
        this.#violations.push(
          new InvariantViolation({
            invariant: '4 (one runner per step)',
            requestKey,
            detail: `step "${context.stepId}" is running ${running} times at once (attempt ${context.attempt} just started)`,
          }),
        );
      }
      this.#activity.stepEntered();
      const leave = this.#slots?.enter(workflow, context);
      try {
        this.#entered?.(requestKey);
        await this.#inject(requestKey, context);
        return await fn(context);
      } finally {
        this.#active.set(key, (this.#active.get(key) ?? 1) - 1);
        leave?.();
        this.#activity.stepLeft();
      }
    };
  }

  async #inject(requestKey: string, context: StepContext): Promise<void> {
    const fault = this.#armed.get(requestKey);
    if (!fault) return;
    this.#armed.delete(requestKey);
    if (typeof fault === 'object') return fault.inject(context, this.#time);
    if (fault === 'fail') throw new Error('injected failure (retryable)');
    if (fault === 'fatal') throw new NonRetryableError('injected failure (not retryable)');
    await this.#time.sleep(SLOW_STEP_MS, context.signal);
  }
}

/** The actor names of a workflow's steps. */
export function stepNamesOf(workflow: Workflow): string[] {
  const actors = (workflow.machine.implementations as { actors?: Record<string, unknown> }).actors;
  return Object.entries(actors ?? {})
    .filter(([, logic]) => stepFunctionOf(logic) !== undefined)
    .map(([src]) => src);
}

/**
 * The workflow with every step wrapped by `probe`, and the stubbed ones
 * replaced. The machine keeps its definition and names, so its logs and
 * fingerprint are the workflow's own; a step keeps the dependency it names
 * (its circuit breaker).
 * @internal
 */
export function instrumentWorkflow(
  workflow: Workflow,
  probe: StepProbe,
  stubs: StepStubs = {},
): Workflow {
  const actors = (workflow.machine.implementations as { actors?: Record<string, unknown> }).actors;
  const provided: Record<string, unknown> = {};
  for (const src of stepNamesOf(workflow)) {
    const fn = stubs[src] ?? stepFunctionOf(actors?.[src]);
    if (fn) provided[src] = step(probe.wrap(fn, workflow), dependencyOf(actors?.[src]));
  }
  return { ...workflow, machine: workflow.machine.provide({ actors: provided }) };
}

/** Throws when a stub names no step of any of `workflows`. */
export function checkStubs(workflows: readonly Workflow[], stubs: StepStubs): void {
  const known = new Set(workflows.flatMap(stepNamesOf));
  for (const src of Object.keys(stubs)) {
    if (!known.has(src)) {
      throw new RangeError(
        `stubs.${src}: no workflow has a step of that name (steps: ${[...known].join(', ')})`,
      );
    }
  }
}
