import type { AnyStateMachine } from 'xstate';
import { childSpecOf } from './childWorkflow';
import { NotAMachineError, NotAStepError, UnregisteredActorError } from './errors';
import { stepFunctionOf } from './step';

/** The parts of an XState state node this check reads (structurally: any copy of XState). */
interface StateNodeLike {
  readonly id: string;
  readonly config: { readonly invoke?: InvokeConfigLike | readonly InvokeConfigLike[] };
  readonly states: Readonly<Record<string, StateNodeLike>>;
}

interface InvokeConfigLike {
  readonly id?: string;
  readonly src?: unknown;
}

/**
 * Refuses, when a workflow is defined or registered, a machine the engine
 * could not run: one that is not an XState machine, or whose states invoke
 * an actor that `setup({ actors })` does not register, or that is not a
 * {@link step} (or `map`, or `childWorkflow`). Each error names the workflow, the actor and the state.
 * (Actors spawned by `spawnChild` actions are only known at run time.)
 *
 * The check is structural, not `instanceof`, so machines built by another
 * copy of XState (a CommonJS user module beside the engine's ES module) pass.
 */
export function assertRunnableMachine(action: string, machine: AnyStateMachine): void {
  const root = (machine as { root?: unknown }).root as StateNodeLike | undefined;
  const actors = (machine as { implementations?: { actors?: Record<string, unknown> } })
    .implementations?.actors;
  if (!root || typeof root !== 'object' || !root.states || !actors) {
    throw new NotAMachineError(action);
  }
  for (const node of stateNodes(root)) {
    const invokes = node.config.invoke;
    const configs: readonly InvokeConfigLike[] =
      invokes === undefined ? [] : Array.isArray(invokes) ? invokes : [invokes as InvokeConfigLike];
    for (const [index, invoke] of configs.entries()) {
      const name = typeof invoke.src === 'string' ? invoke.src : undefined;
      const logic = name === undefined ? invoke.src : actors[name];
      if (name !== undefined && logic === undefined) {
        throw new UnregisteredActorError(action, name, node.id);
      }
      if (!stepFunctionOf(logic) && !childSpecOf(logic)) {
        throw new NotAStepError(action, invoke.id ?? name ?? `${node.id}#invoke${index}`);
      }
    }
  }
}

function* stateNodes(node: StateNodeLike): Generator<StateNodeLike> {
  yield node;
  for (const child of Object.values(node.states)) yield* stateNodes(child);
}
