import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { EngineLogger } from './logger';
import { markStepOptions, type StepOptions } from './stepOptions';

/** Reports a step's progress; batched by the runner (see `progressReporter.ts`). */
export interface ProgressReporter {
  /**
   * Reports how far the request is, 0–100. Lower numbers than an earlier
   * report are raised to it (progress never goes down).
   */
  report(percentage: number, message: string, metadata?: Readonly<Record<string, unknown>>): void;
}

/** What a step function gets from the runner. */
export interface StepContext<TInput = unknown, TStepInput = unknown, TCheckpoint = unknown> {
  /** The request's validated input (the workflow input). */
  readonly input: TInput;
  /** The invoke's own `input` (mapped from the machine context), or undefined. */
  readonly stepInput: TStepInput;
  /** The invocation id (the invoke `id`). */
  readonly stepId: string;
  /** The request's id, as the client chose it (frames echo it). Unique within its tenant. */
  readonly requestId: string;
  /** The tenant the request belongs to (from the client's token). */
  readonly tenantId: string;
  /** The last checkpoint saved by this invocation (any earlier attempt or run), if any. */
  readonly checkpoint: TCheckpoint | undefined;
  /**
   * Durably records a checkpoint (one event, awaited). After a timeout or a
   * crash the step starts again with it as `checkpoint`.
   */
  saveCheckpoint(checkpoint: TCheckpoint): Promise<void>;
  readonly progress: ProgressReporter;
  /** Aborts when the run is about to end (timeout), the request is cancelled, or the lease is lost. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt of this invocation, 2 for the first retry … */
  readonly attempt: number;
  readonly logger: EngineLogger;
  /** The injected clock. */
  now(): number;
}

/** The function behind a durable step. Its resolved value must be JSON. */
export type StepFunction<TOutput = unknown, TInput = unknown, TStepInput = unknown> = (
  context: StepContext<TInput, TStepInput>,
) => Promise<TOutput>;

/**
 * The brand `step()` puts on its actor logic: a symbol from the global
 * registry, so a step made by another copy of this module (a CommonJS and an
 * ES module copy loaded side by side, or two installs bundled together) is
 * still recognised. Identity-keyed marks (a WeakMap) are invisible across
 * copies, and every request of such a workflow failed with `NotAStepError`.
 * The `@1` is the step-function contract's version.
 */
const STEP_BRAND = Symbol.for('streamer-engine/step@1');

/**
 * Declares a durable step: actor logic to put in `setup({ actors })` and
 * invoke from the machine. The engine's runner runs it (at most once per
 * recorded attempt, never during replay) and records its outcome as the
 * `xstate.done.actor.<id>` / `xstate.error.actor.<id>` event the machine
 * expects. Run outside the engine (`createActor(machine).start()`), the actor
 * rejects: a step needs the runner's context.
 *
 * @example
 * const fetchRows = step(async ({ input, progress, signal }) => {
 *   progress.report(10, 'querying');
 *   return await db.rows(input.from, input.to, { signal });
 * });
 * setup({ actors: { fetchRows } }).createMachine({
 *   initial: 'fetching',
 *   states: { fetching: { invoke: { id: 'fetch', src: 'fetchRows', onDone: 'done' } }, done: { type: 'final' } },
 * });
 *
 * Name the outside system a step calls to put it behind that dependency's
 * circuit breaker (`docs/flow-control.md`):
 * `step(charge, { dependency: 'payments-api' })`.
 */
export function step<TOutput, TInput = unknown, TStepInput = unknown>(
  fn: StepFunction<TOutput, TInput, TStepInput>,
  options?: StepOptions,
): PromiseActorLogic<TOutput, TStepInput> {
  const logic = fromPromise<TOutput, TStepInput>(async () => {
    throw new Error(
      'A step runs through the Streamer engine (runRequest / runInline), not createActor',
    );
  });
  Object.defineProperty(logic, STEP_BRAND, { value: fn, enumerable: false });
  if (options) markStepOptions(logic, options);
  return logic;
}

/** The function behind `logic` if it was declared with {@link step}. @internal */
export function stepFunctionOf(logic: unknown): StepFunction | undefined {
  if (typeof logic !== 'object' || logic === null) return undefined;
  const fn = (logic as Record<symbol, unknown>)[STEP_BRAND];
  return typeof fn === 'function' ? (fn as StepFunction) : undefined;
}
