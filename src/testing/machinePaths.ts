import { getSimplePaths } from '@xstate/graph';
import type { AnyMachineSnapshot, StateValue } from 'xstate';
import { type ExternalEvent, NonRetryableError, toRecordedError, type Workflow } from '../engine';
import { toJson } from '../engine/recordedError';
import { PathMismatchError } from './errors';
import { signalTypesOf } from './machineEvents';
import { stepNamesOf } from './stepProbe';
import { createTestEngine, type TestEngine } from './testEngine';

/**
 * Options of {@link machinePaths}.
 *
 * @example
 * machinePaths(expenseApproval, { input, outputs: { payOut: { transferId: 't1' } }, failures: false });
 */
export interface MachinePathOptions {
  /** The request input the machine starts from (the paths are computed for it). */
  readonly input: unknown;
  /** What each step returns on a path, by invoke id (default `{}`). */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Example payloads of the machine's events (default a bare `{ type }` each). */
  readonly signals?: readonly ExternalEvent[];
  /** Whether a path may also fail each step, for good (default true). */
  readonly failures?: boolean;
  /** Most states to visit before giving up (default 10,000). */
  readonly limit?: number;
}

/**
 * One thing that happens on a path, in order.
 *
 * @example
 * path.steps; // [{ kind: 'step', stepId: 'checkReceipts', outcome: 'done', output: {} }, { kind: 'signal', event: { type: 'reject' } }]
 */
export type PathStep =
  | {
      readonly kind: 'step';
      readonly stepId: string;
      readonly outcome: 'done';
      readonly output: unknown;
    }
  | { readonly kind: 'step'; readonly stepId: string; readonly outcome: 'error' }
  | { readonly kind: 'signal'; readonly event: ExternalEvent };

/**
 * A case the test engine runs: what happens, and where the request must end.
 *
 * @example
 * const [path] = machinePaths(expenseApproval, { input });
 * path?.expected; // { state: 'checking', status: 'FAILED' }
 */
export interface MachinePath {
  /** Readable: `checkReceipts ✓ → approve → payOut ✓ ⇒ "paid"`. */
  readonly name: string;
  readonly input: unknown;
  readonly steps: readonly PathStep[];
  /** The signals to send, in order (the step outcomes are stubbed). */
  readonly events: readonly ExternalEvent[];
  readonly expected: {
    /** The final state value. */
    readonly state: StateValue;
    /** `COMPLETED` for a final state, `FAILED` when a step's error reached the machine unhandled. */
    readonly status: 'COMPLETED' | 'FAILED';
    /** The request's result (`COMPLETED` only). */
    readonly output?: unknown;
  };
}

const PATH_FAILURE = new NonRetryableError('failed on this path');

/**
 * Every simple path of the workflow's machine (from `@xstate/graph`) that
 * ends the request — in a final state, or with a step error it does not
 * handle — as cases for {@link runMachinePath}. States are told apart by
 * value and status (not context), which keeps the graph finite. Each
 * reachable final state is the end of at least one case.
 *
 * @example
 * for (const path of machinePaths(expenseApproval, { input, outputs: { payOut: { transferId: 't1' } } })) {
 *   it(path.name, () => runMachinePath(expenseApproval, path));
 * }
 */
export function machinePaths(workflow: Workflow, options: MachinePathOptions): MachinePath[] {
  const signals = candidates(workflow, options.signals);
  const paths = getSimplePaths(workflow.machine, {
    input: options.input,
    events: (snapshot: AnyMachineSnapshot) => eventsFrom(snapshot, options, signals),
    serializeState: (snapshot: AnyMachineSnapshot) =>
      JSON.stringify([snapshot.value, snapshot.status]),
    limit: options.limit ?? 10_000,
  });
  return paths
    .filter((path) => path.state.status === 'done' || path.state.status === 'error')
    .map((path) => {
      // Each step names the event that led to its state; the first is XState's own init.
      const events = path.steps.map((s) => s.event).filter((e) => e.type !== 'xstate.init');
      return toCase(events, path.state, options.input);
    });
}

function candidates(workflow: Workflow, examples: readonly ExternalEvent[] = []): ExternalEvent[] {
  const covered = new Set(examples.map((e) => e.type));
  const bare = signalTypesOf(workflow.machine).filter((t) => !covered.has(t));
  return [...examples, ...bare.map((type) => ({ type }))];
}

/** What may happen next: each running step finishes (or fails), or an accepted signal comes. */
function eventsFrom(
  snapshot: AnyMachineSnapshot,
  options: MachinePathOptions,
  signals: readonly ExternalEvent[],
): { type: string; [key: string]: unknown }[] {
  if (snapshot.status !== 'active') return [];
  const events: { type: string; [key: string]: unknown }[] = [];
  for (const stepId of Object.keys(snapshot.children)) {
    const output = toJson(options.outputs?.[stepId] ?? {});
    events.push({ type: `xstate.done.actor.${stepId}`, output, actorId: stepId });
    if (options.failures !== false) {
      const error = toRecordedError(PATH_FAILURE);
      events.push({ type: `xstate.error.actor.${stepId}`, error, actorId: stepId });
    }
  }
  for (const signal of signals) if (snapshot.can(signal)) events.push({ ...signal });
  return events;
}

function toCase(
  events: readonly { type: string; [key: string]: unknown }[],
  final: AnyMachineSnapshot,
  input: unknown,
): MachinePath {
  const steps = events.map(toPathStep);
  const done = final.status === 'done';
  const name = `${steps.map(describeStep).join(' → ') || '(no event)'} ⇒ ${JSON.stringify(final.value)}${done ? '' : ' (failed)'}`;
  return {
    name,
    input,
    steps,
    events: steps.flatMap((s) => (s.kind === 'signal' ? [s.event] : [])),
    expected: {
      state: final.value,
      status: done ? 'COMPLETED' : 'FAILED',
      ...(done ? { output: toJson(final.output) } : {}),
    },
  };
}

function toPathStep(event: { type: string; [key: string]: unknown }): PathStep {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(event.type);
  if (done?.[1]) return { kind: 'step', stepId: done[1], outcome: 'done', output: event.output };
  const error = /^xstate\.error\.actor\.(.+)$/.exec(event.type);
  if (error?.[1]) return { kind: 'step', stepId: error[1], outcome: 'error' };
  return { kind: 'signal', event: event as ExternalEvent };
}

function describeStep(step: PathStep): string {
  if (step.kind === 'signal') return step.event.type;
  return `${step.stepId} ${step.outcome === 'done' ? '✓' : '✗'}`;
}

/**
 * What {@link runMachinePath} saw.
 *
 * @example
 * const { engine, requestId } = await runMachinePath(expenseApproval, path);
 * await engine.log(requestId);
 */
export interface PathRun {
  readonly engine: TestEngine;
  readonly requestId: string;
}

/**
 * Runs one path on a fresh test engine: every step stubbed to succeed or
 * fail as the path says, each outcome released in the path's order, the
 * signals sent between. Throws {@link PathMismatchError} when the request
 * does not end where the machine's graph says.
 *
 * @example
 * await runMachinePath(expenseApproval, path); // throws PathMismatchError on a mismatch
 */
export async function runMachinePath(workflow: Workflow, path: MachinePath): Promise<PathRun> {
  const gates = new OutcomeGates();
  const stubs = Object.fromEntries(
    stepNamesOf(workflow).map((src) => [src, gates.stub(() => engine.internals.time)]),
  );
  const engine = createTestEngine({ workflows: [workflow], stubs });
  const { requestId, requestKey } = await engine.start(workflow.action, path.input, { id: 'path' });
  await engine.runUntilIdle();
  for (const step of path.steps) {
    if (step.kind === 'step') gates.release(step);
    else {
      await engine.signal(requestId, step.event);
      engine.internals.kick(requestKey);
    }
    await engine.runUntilIdle();
  }
  await checkEnd(engine, path, requestId);
  return { engine, requestId };
}

async function checkEnd(engine: TestEngine, path: MachinePath, requestId: string): Promise<void> {
  const state = await engine.state(requestId);
  const view = await engine.view(requestId);
  const mismatch = (detail: string) => new PathMismatchError({ path: path.name, detail });
  if (view?.status !== path.expected.status)
    throw mismatch(`the request is ${view?.status}, the graph says ${path.expected.status}`);
  if (JSON.stringify(state?.snapshot.value) !== JSON.stringify(path.expected.state))
    throw mismatch(
      `it ended in ${JSON.stringify(state?.snapshot.value)}, the graph says ${JSON.stringify(path.expected.state)}`,
    );
  if (
    path.expected.status === 'COMPLETED' &&
    JSON.stringify(view.result) !== JSON.stringify(path.expected.output ?? null)
  )
    throw mismatch(
      `its result is ${JSON.stringify(view.result)}, the graph says ${JSON.stringify(path.expected.output)}`,
    );
}

type Outcome = Extract<PathStep, { kind: 'step' }>;

/** Per step id, the outcomes the path releases, in order; a stub waits (parked) for its turn. */
class OutcomeGates {
  readonly #waiting = new Map<string, ((outcome: Outcome) => void)[]>();
  readonly #released = new Map<string, Outcome[]>();

  release(outcome: Outcome): void {
    const waiter = this.#waiting.get(outcome.stepId)?.shift();
    if (waiter) waiter(outcome);
    else
      this.#released.set(outcome.stepId, [...(this.#released.get(outcome.stepId) ?? []), outcome]);
  }

  #next(stepId: string): Promise<Outcome> {
    const ready = this.#released.get(stepId)?.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      this.#waiting.set(stepId, [...(this.#waiting.get(stepId) ?? []), resolve]);
    });
  }

  stub(time: () => { parked<T>(promise: Promise<T>): Promise<T> }) {
    return async (context: { stepId: string }): Promise<unknown> => {
      const outcome = await time().parked(this.#next(context.stepId));
      if (outcome.outcome === 'error') throw PATH_FAILURE;
      return outcome.output;
    };
  }
}
