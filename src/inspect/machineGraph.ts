import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type {
  GraphNode,
  GraphTransition,
  GraphTransitionKind,
  MachineGraph,
} from '../protocol/machineGraph';

/**
 * The structure of a machine as plain data (`describe`, `streamer graph`, the
 * dashboard): every state node, parents first in document order, and every
 * transition — external events, steps' done/error events, `after` delays,
 * `onDone` of states and `always` — with guards named. Reads XState's state
 * nodes, runs nothing.
 *
 * @example
 * const graph = machineGraph(expenseApproval.machine);
 * graph.transitions.find((t) => t.event === 'approve')?.targets; // ['expense_approval.paying']
 */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const nodes: GraphNode[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: AnyStateNode): void => {
    nodes.push(graphNode(node));
    transitions.push(...transitionsOf(node));
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(machine.root);
  return { root: machine.root.id, nodes, transitions };
}

function graphNode(node: AnyStateNode): GraphNode {
  const initial = node.type === 'compound' ? node.initial.target[0]?.id : undefined;
  return {
    id: node.id,
    key: node.key,
    ...(node.parent && { parent: node.parent.id }),
    type: node.type,
    ...(initial !== undefined && { initial }),
    invokes: node.invoke.map((invoke) => ({
      id: invoke.id,
      src: typeof invoke.src === 'string' ? invoke.src : invoke.id,
    })),
    tags: [...node.tags],
    ...(node.description !== undefined && { description: node.description }),
  };
}

type TransitionDefinition = NonNullable<AnyStateNode['always']>[number] & {
  readonly delay?: unknown;
};

function transitionsOf(node: AnyStateNode): GraphTransition[] {
  const lists: TransitionDefinition[][] = [...node.transitions.values()];
  if (node.always) lists.push(node.always);
  return lists.flatMap((list) => list.map((definition, order) => toTransition(definition, order)));
}

function toTransition(definition: TransitionDefinition, order: number): GraphTransition {
  const event = String(definition.eventType ?? '');
  const { kind, step } = kindOf(event);
  const delay = delayOf(definition.delay);
  const guard = guardName(definition.guard);
  return {
    source: definition.source.id,
    targets: (definition.target ?? []).map((target) => target.id),
    kind,
    event,
    label: labelOf(kind, event, step, delay),
    ...(step !== undefined && { step }),
    ...(delay !== undefined && { delay }),
    ...(guard !== undefined && { guard }),
    ...(definition.reenter && { reenter: true }),
    order,
  };
}

const STEP_EVENT = /^xstate\.(done|error)\.actor\.(.+)$/;

function kindOf(event: string): { kind: GraphTransitionKind; step?: string } {
  if (event === '') return { kind: 'always' };
  const stepEvent = STEP_EVENT.exec(event);
  if (stepEvent?.[2] !== undefined) {
    return { kind: stepEvent[1] === 'done' ? 'done' : 'error', step: stepEvent[2] };
  }
  if (event.startsWith('xstate.after.')) return { kind: 'after' };
  if (event.startsWith('xstate.done.state.')) return { kind: 'state_done' };
  return { kind: 'event' };
}

function delayOf(delay: unknown): number | string | undefined {
  if (typeof delay === 'number' || typeof delay === 'string') return delay;
  return undefined;
}

function labelOf(
  kind: GraphTransitionKind,
  event: string,
  step: string | undefined,
  delay: number | string | undefined,
): string {
  switch (kind) {
    case 'done':
      return `done: ${step}`;
    case 'error':
      return `error: ${step}`;
    case 'after':
      return typeof delay === 'number' ? `after ${delay} ms` : `after ${delay ?? '?'}`;
    case 'state_done':
      return 'done';
    case 'always':
      return 'always';
    case 'event':
      return event;
  }
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function')
    return guard.name && guard.name !== 'guard' ? guard.name : 'inline';
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'inline';
}
