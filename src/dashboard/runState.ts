import type { HistoryEvent, RunStatusName, StateValue } from '../protocol/inspectData';
import type { GraphNode, MachineGraph } from '../protocol/machineGraph';

/**
 * Where a run stood at any `seq` of its history, for the dashboard's replay
 * slider and the CLI: folds of the `history` events (their `state` and
 * `status` marks, their step events). Pure and DOM-free.
 */

/** A field of an event's data, when the data is an object that has it. */
export function dataField(event: Pick<HistoryEvent, 'data'>, name: string): unknown {
  const data = event.data;
  return typeof data === 'object' && data !== null
    ? (data as Record<string, unknown>)[name]
    : undefined;
}

/** The ids of every node active in `value`: the root, and each active state down to the leaves. */
export function activeNodeIds(graph: MachineGraph, value: StateValue | undefined): Set<string> {
  const active = new Set<string>([graph.root]);
  if (value === undefined) return active;
  const childByKey = (parent: string, key: string): GraphNode | undefined =>
    graph.nodes.find((node) => node.parent === parent && node.key === key);
  const walk = (parent: string, at: StateValue): void => {
    if (typeof at === 'string') {
      const node = childByKey(parent, at);
      if (node) active.add(node.id);
      return;
    }
    for (const [key, inner] of Object.entries(at)) {
      const node = childByKey(parent, key);
      if (!node) continue;
      active.add(node.id);
      walk(node.id, inner);
    }
  };
  walk(graph.root, value);
  return active;
}

/** The active nodes that have no active child: the run's current leaf states. */
export function currentLeaves(graph: MachineGraph, value: StateValue | undefined): string[] {
  const active = activeNodeIds(graph, value);
  return graph.nodes
    .filter((node) => active.has(node.id))
    .filter(
      (node) => !graph.nodes.some((child) => child.parent === node.id && active.has(child.id)),
    )
    .map((node) => node.id);
}

/** A state value as one line: `awaitingApproval`, `booking.{flight.reserving, hotel.reserved}`. */
export function stateText(value: StateValue | undefined): string {
  if (value === undefined) return '?';
  if (typeof value === 'string') return value;
  const parts = Object.entries(value).map(([key, inner]) => `${key}.${stateText(inner)}`);
  return parts.length === 1 ? (parts[0] ?? '') : `{${parts.join(', ')}}`;
}

/** The run at one `seq`: its machine state, status and progress, from the events up to it. */
export interface RunAt {
  readonly seq: number;
  readonly state?: StateValue;
  readonly status?: RunStatusName;
  /** The highest percentage reported so far. */
  readonly progress: number;
  readonly message?: string;
  /** The events up to `seq`. */
  readonly events: readonly HistoryEvent[];
}

/** Folds the history up to `seq` (every event when `seq` is past the end). */
export function runAt(events: readonly HistoryEvent[], seq: number): RunAt {
  let state: StateValue | undefined;
  let status: RunStatusName | undefined;
  let progress = 0;
  let message: string | undefined;
  const upTo: HistoryEvent[] = [];
  for (const event of events) {
    if (event.seq > seq) break;
    upTo.push(event);
    if (event.state !== undefined) state = event.state;
    if (event.status !== undefined) status = event.status;
    const percentage = dataField(event, 'percentage');
    if (
      event.type === 'step.progress' &&
      typeof percentage === 'number' &&
      percentage >= progress
    ) {
      progress = percentage;
      const text = dataField(event, 'message');
      message = typeof text === 'string' ? text : message;
    }
    if (event.type === 'request.completed') progress = 100;
  }
  return {
    seq,
    ...(state !== undefined && { state }),
    ...(status !== undefined && { status }),
    progress,
    ...(message !== undefined && { message }),
    events: upTo,
  };
}

/** Every node that was active at some point up to `seq` (what the chart marks as visited). */
export function visitedNodeIds(
  graph: MachineGraph,
  events: readonly HistoryEvent[],
  seq: number,
): Set<string> {
  const visited = new Set<string>();
  for (const event of events) {
    if (event.seq > seq) break;
    if (event.state === undefined) continue;
    for (const id of activeNodeIds(graph, event.state)) visited.add(id);
  }
  return visited;
}

/** How each step's latest invocation stands at `seq`. */
export type StepState = 'running' | 'retrying' | 'completed' | 'failed' | 'waiting_child';

/** The latest outcome of each step (by step id) up to `seq`. */
export function stepStates(events: readonly HistoryEvent[], seq: number): Map<string, StepState> {
  const steps = new Map<string, StepState>();
  for (const event of events) {
    if (event.seq > seq) break;
    const stepId = dataField(event, 'stepId');
    if (typeof stepId !== 'string') continue;
    if (event.type === 'step.started') steps.set(stepId, 'running');
    else if (event.type === 'step.completed') steps.set(stepId, 'completed');
    else if (event.type === 'child.started') steps.set(stepId, 'waiting_child');
    else if (event.type === 'step.failed') {
      steps.set(stepId, dataField(event, 'retryAt') === undefined ? 'failed' : 'retrying');
    }
  }
  return steps;
}
