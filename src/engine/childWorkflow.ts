import { fromPromise, type PromiseActorLogic } from 'xstate';
import { hashHex } from './hash';

/** What a child-workflow step starts: the registered action, newest version. */
export interface ChildWorkflowSpec {
  readonly action: string;
}

/** Same reason as the step brand: a second copy of this module must still recognise it. */
const CHILD_BRAND = Symbol.for('streamer-engine/child-workflow@1');

/**
 * Declares a step that runs another registered workflow as a child request
 * of the same tenant, and waits for it durably (no Lambda waits: the child's
 * end is recorded in the parent's log). The invoke's `input` is the child's
 * input. The step resolves with the child's result, or fails with its error
 * (a child has its own retry policy; its failure is final for the parent
 * step, which the machine can catch with `onError`). The child's request id
 * is derived from the parent's, so starting it again after a crash finds
 * the same child. Cancelling the parent cancels the child.
 *
 * @example
 * const chargeCard = childWorkflow<{ receipt: string }>('charge_card');
 * setup({ actors: { chargeCard } }).createMachine({
 *   initial: 'charging',
 *   states: {
 *     charging: {
 *       invoke: { id: 'charge', src: 'chargeCard', input: ({ context }) => ({ cents: context.total }), onDone: 'done' },
 *     },
 *     done: { type: 'final' },
 *   },
 * });
 */
export function childWorkflow<TOutput = unknown, TStepInput = unknown>(
  action: string,
): PromiseActorLogic<TOutput, TStepInput> {
  const logic = fromPromise<TOutput, TStepInput>(async () => {
    throw new Error(
      `A child workflow (${action}) runs through the Streamer engine, not createActor`,
    );
  });
  const spec: ChildWorkflowSpec = { action };
  Object.defineProperty(logic, CHILD_BRAND, { value: spec, enumerable: false });
  return logic;
}

/** The child workflow behind `logic`, if it was declared with {@link childWorkflow}. @internal */
export function childSpecOf(logic: unknown): ChildWorkflowSpec | undefined {
  if (typeof logic !== 'object' || logic === null) return undefined;
  const spec = (logic as Record<symbol, unknown>)[CHILD_BRAND];
  return typeof spec === 'object' && spec !== null ? (spec as ChildWorkflowSpec) : undefined;
}

const MAX_CHILD_ID_LENGTH = 128;

/**
 * The child's request id: the parent's id, the step, the `seq` at which the
 * machine entered the invoking state (a state entered again starts a new
 * child) and, after a redrive, the epoch. Deterministic, so a repeated start
 * finds the child already there. Shortened with a hash past the id limit.
 * @internal
 */
export function childRequestIdOf(parent: {
  readonly requestId: string;
  readonly stepId: string;
  readonly spawnedSeq: number;
  readonly epoch: number;
}): string {
  const epoch = parent.epoch > 0 ? `.r${parent.epoch}` : '';
  const full = `${parent.requestId}/${parent.stepId}@${parent.spawnedSeq}${epoch}`;
  if (full.length <= MAX_CHILD_ID_LENGTH) return full;
  const digest = `${hashHex(full)}${hashHex(`${full.length}:${full}`)}`;
  return `${prefixOf(full, MAX_CHILD_ID_LENGTH - digest.length - 1)}~${digest}`;
}

/** The longest prefix of whole code points within `length` UTF-16 units (never half a pair). */
function prefixOf(text: string, length: number): string {
  let prefix = '';
  for (const codePoint of text) {
    if (prefix.length + codePoint.length > length) break;
    prefix += codePoint;
  }
  return prefix;
}
