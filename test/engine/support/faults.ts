import type { AnyStateMachine } from 'xstate';
import { step, type Workflow } from '../../../src/engine';
import { type StepFunction, stepFunctionOf } from '../../../src/engine/step';
import type { NewEvent, StoredEvent } from '../../../src/events/event';
import type { EventStore, ReadOptions } from '../../../src/events/eventStore';

/** Every step the machine can invoke (`invoke` of any state), as `[invoke id, src]`, in document order. */
export function stepsOf(machine: AnyStateMachine): { id: string; src: string }[] {
  const found: { id: string; src: string }[] = [];
  const visit = (node: {
    invoke: { id: string; src: unknown }[];
    states: Record<string, unknown>;
  }): void => {
    for (const invoke of node.invoke) found.push({ id: invoke.id, src: String(invoke.src) });
    for (const child of Object.values(node.states)) visit(child as typeof node);
  };
  visit(machine.root as unknown as Parameters<typeof visit>[0]);
  return found;
}

/**
 * The workflow with the step `src` wrapped: `before` runs first (it may
 * throw to make the attempt fail), then the original step.
 */
export function withStepHook(
  workflow: Workflow,
  src: string,
  before: (context: Parameters<StepFunction>[0]) => Promise<void> | void,
): Workflow {
  const actors = (workflow.machine.implementations as { actors: Record<string, unknown> }).actors;
  const original = stepFunctionOf(actors[src]);
  if (!original) throw new Error(`${workflow.action} has no step ${src}`);
  const wrapped = step(async (context) => {
    await before(context);
    return original(context);
  });
  return { ...workflow, machine: workflow.machine.provide({ actors: { [src]: wrapped } }) };
}

/** Where a {@link CrashingStore} crashes the runner. */
export type CrashPoint = 'none' | 'after_step_started' | 'before_step_outcome';

/** Thrown by {@link CrashingStore}: the process "died". */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * Wraps a store so the runner dies at a chosen point: right after its
 * `step.started` is stored (the reply is lost), or just before a step's
 * outcome is stored (the side effect happened, the record did not).
 */
export class CrashingStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly point: CrashPoint,
    /** Crash only at this step (default: the first one reached). */
    private readonly stepId?: string,
  ) {}
  #crashed = false;

  async append(
    requestKey: string,
    expectedVersion: number,
    events: readonly NewEvent[],
  ): Promise<number> {
    const concerns = (...types: string[]): boolean =>
      !this.#crashed &&
      events.some(
        (event) =>
          types.includes(event.type) &&
          (this.stepId === undefined || (event.data as { stepId?: string }).stepId === this.stepId),
      );
    if (this.point === 'before_step_outcome' && concerns('step.completed', 'step.failed')) {
      this.#crashed = true;
      throw new SimulatedCrash('crashed before storing the step outcome');
    }
    const crashAfter = this.point === 'after_step_started' && concerns('step.started');
    const version = await this.inner.append(requestKey, expectedVersion, events);
    if (crashAfter) {
      this.#crashed = true;
      throw new SimulatedCrash('crashed right after step.started');
    }
    return version;
  }

  read(requestKey: string, options?: ReadOptions): Promise<StoredEvent[]> {
    return this.inner.read(requestKey, options);
  }
}
