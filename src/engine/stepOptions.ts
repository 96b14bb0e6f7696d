import type { CircuitPolicy } from './circuit';

/** Options of a durable step (the second argument of `step`). */
export interface StepOptions {
  /**
   * The outside system the step calls (`'payments-api'`). Every step naming
   * the same dependency shares one circuit breaker per tenant: when too many
   * of their attempts fail, new attempts wait (recorded as `step.deferred`,
   * using up no attempt) until a probe succeeds. See `docs/flow-control.md`.
   */
  readonly dependency?: string;
  /** How the dependency's circuit opens and recovers (defaults: {@link DEFAULT_CIRCUIT_POLICY}). */
  readonly circuit?: Partial<CircuitPolicy>;
}

/** A step's options once checked: the dependency and its full circuit policy. @internal */
export interface DependencyOptions {
  readonly dependency: string;
  readonly circuit: CircuitPolicy;
}

/** Same reason as the step brand: a second copy of this module must still read it. */
const OPTIONS_BRAND = Symbol.for('streamer-engine/step-options@1');

const DEPENDENCY_NAME = /^[A-Za-z0-9_.:/-]{1,128}$/;

/** Default circuit policy of a dependency. */
export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = {
  failureRate: 0.5,
  minimumCalls: 5,
  windowMs: 60_000,
  openMs: 30_000,
  maxOpenMs: 600_000,
  halfOpenRecheckMs: 5_000,
};

/**
 * Checks `options` and puts them on a step's actor logic. Throws a
 * `RangeError` naming the option for a bad dependency name or policy.
 * @internal
 */
export function markStepOptions(logic: object, options: StepOptions): void {
  if (options.dependency === undefined) return;
  if (!DEPENDENCY_NAME.test(options.dependency)) {
    throw new RangeError(
      `step dependency must be 1–128 letters, digits or _ . : / -, got ${JSON.stringify(options.dependency)}`,
    );
  }
  const circuit = { ...DEFAULT_CIRCUIT_POLICY, ...options.circuit };
  checkPolicy(options.dependency, circuit);
  const checked: DependencyOptions = { dependency: options.dependency, circuit };
  Object.defineProperty(logic, OPTIONS_BRAND, { value: checked, enumerable: false });
}

function checkPolicy(dependency: string, policy: CircuitPolicy): void {
  const problem =
    !(policy.failureRate > 0 && policy.failureRate <= 1) && 'failureRate must be in (0, 1]';
  const counts =
    !(Number.isInteger(policy.minimumCalls) && policy.minimumCalls >= 1) &&
    'minimumCalls must be a whole number >= 1';
  const times =
    ![policy.windowMs, policy.openMs, policy.maxOpenMs, policy.halfOpenRecheckMs].every(
      (ms) => Number.isFinite(ms) && ms > 0,
    ) && 'windowMs, openMs, maxOpenMs and halfOpenRecheckMs must be > 0 ms';
  const first = problem || counts || times;
  if (first) throw new RangeError(`step dependency ${dependency}: circuit.${first}`);
}

/** The dependency a step's logic names, with its circuit policy, if any. @internal */
export function dependencyOf(logic: unknown): DependencyOptions | undefined {
  if (typeof logic !== 'object' || logic === null) return undefined;
  const options = (logic as Record<symbol, unknown>)[OPTIONS_BRAND];
  return typeof options === 'object' && options !== null
    ? (options as DependencyOptions)
    : undefined;
}
