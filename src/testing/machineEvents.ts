import type { AnyStateMachine } from 'xstate';
import type { ExternalEvent } from '../engine';

interface NodeLike {
  readonly ownEvents: readonly string[];
  readonly states: Readonly<Record<string, NodeLike>>;
}

/**
 * The external event types a machine accepts somewhere (its `on` keys),
 * without XState's own `xstate.*` events and wildcards, in document order.
 *
 * @example
 * signalTypesOf(expenseApproval.machine); // ['approve', 'reject']
 */
export function signalTypesOf(machine: AnyStateMachine): string[] {
  const found = new Set<string>();
  const visit = (node: NodeLike): void => {
    for (const type of node.ownEvents) {
      if (!type.startsWith('xstate.') && !type.includes('*')) found.add(type);
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root as unknown as NodeLike);
  return [...found];
}

/** An event type no machine of the kit's callers is expected to accept. */
export const UNKNOWN_EVENT: ExternalEvent = { type: 'streamer.test.unknown' };

/**
 * The signals to try: the given examples, then a bare `{ type }` for each
 * accepted type without one, then one unknown event (it must be refused).
 */
export function signalCandidates(
  machine: AnyStateMachine,
  examples: readonly ExternalEvent[] = [],
): ExternalEvent[] {
  const covered = new Set(examples.map((event) => event.type));
  const bare = signalTypesOf(machine)
    .filter((type) => !covered.has(type))
    .map((type) => ({ type }));
  return [...examples, ...bare, UNKNOWN_EVENT];
}
