/**
 * The structure of a workflow's XState machine as `describe` sends it: what
 * the CLI (`streamer graph`) and the dashboard draw. Plain data, no XState
 * types, so the browser can read it without the machine's code.
 */

/** One state node. */
export interface GraphNode {
  /** XState's id of the node (`expense_approval.checking`, or a custom `id`): unique in the machine. */
  readonly id: string;
  /** The node's key in its parent (`checking`); the root's key is the machine id. */
  readonly key: string;
  /** The parent node's id; absent for the root. */
  readonly parent?: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** For a compound node: the id of the child entered first. */
  readonly initial?: string;
  /** The steps this state runs while it is active (XState invokes): `id` names the step in the log. */
  readonly invokes: readonly { readonly id: string; readonly src: string }[];
  readonly tags: readonly string[];
  readonly description?: string;
}

/** What kind of event takes a transition. */
export type GraphTransitionKind =
  /** An external event: a client's `signal` (or a `raise` of the machine itself). */
  | 'event'
  /** A step finished: `xstate.done.actor.<step>`. */
  | 'done'
  /** A step failed after its retries: `xstate.error.actor.<step>`. */
  | 'error'
  /** An `after` delay: a durable timer. */
  | 'after'
  /** A compound or parallel state reached its final state(s) (`onDone` of a state). */
  | 'state_done'
  /** An eventless (`always`) transition. */
  | 'always';

/** One transition (one candidate of an event's list; guarded ones name their guard). */
export interface GraphTransition {
  /** The node it leaves from. */
  readonly source: string;
  /** The nodes it enters; empty for a targetless transition (actions only). */
  readonly targets: readonly string[];
  readonly kind: GraphTransitionKind;
  /** The XState event type (`approve`, `xstate.done.actor.payOut` …; `''` for `always`). */
  readonly event: string;
  /** What to print on the edge: the event, `done: payOut`, `after 3000 ms` … */
  readonly label: string;
  /** For `done` / `error`: the step; for `after`: the delay (milliseconds, or the name of a delay). */
  readonly step?: string;
  readonly delay?: number | string;
  /** The guard's name (`inline` for an anonymous function), when the transition has one. */
  readonly guard?: string;
  /** Whether taking it re-enters the source (`reenter: true`). */
  readonly reenter?: boolean;
  /** Its place among the source's transitions of the same event (XState tries them in order). */
  readonly order: number;
}

/** A whole machine: its nodes (parents before children, in document order) and transitions. */
export interface MachineGraph {
  /** The root node's id (the machine id). */
  readonly root: string;
  readonly nodes: readonly GraphNode[];
  readonly transitions: readonly GraphTransition[];
}
