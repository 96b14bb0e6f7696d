import type { LifecycleEventData, LifecycleEventType } from '../events/lifecycle';

/**
 * The event types whose commits wake their request: the ones after which
 * work may be due. Progress and checkpoint events (the bulk of a busy log)
 * are left out, and so is dead-letter bookkeeping. The CDK app turns this
 * list into the processor mapping's filter criteria; the processor applies
 * it too (with {@link commitWakeUpAt}), so the local stack and the test
 * engine behave the same.
 */
export const WAKE_UP_EVENT_TYPES: readonly LifecycleEventType[] = [
  'request.accepted',
  'step.started',
  'step.completed',
  'step.failed',
  'request.suspended',
  'request.signalled',
  'request.failed',
  'request.redriven',
  // A child's end must reach its parent, and a parent's cancellation its
  // children, even when the runner that wrote it died before doing so.
  'request.completed',
  'request.cancelled',
];

/** The event types only a runner writes, about the steps it runs. */
const RUNNER_STEP_EVENTS: ReadonlySet<string> = new Set<LifecycleEventType>([
  'step.started',
  'step.completed',
  'step.failed',
]);

/** A step's outcome: stored by the runner that ran it, or, for a child step, by the child's runner. */
const STEP_OUTCOMES: ReadonlySet<string> = new Set<LifecycleEventType>([
  'step.completed',
  'step.failed',
]);

/** What a runner writes after an outcome of its own when it goes on: the next lease, or the end. */
const RUNS_ON: ReadonlySet<string> = new Set<LifecycleEventType>([
  'step.started',
  'request.completed',
  'request.failed',
]);

/** Everything such a runner's commit may hold that wakes: outcomes, and what comes after them. */
const OWN_RUN_WORK: ReadonlySet<string> = new Set([...STEP_OUTCOMES, ...RUNS_ON]);

const WAKES: ReadonlySet<string> = new Set(WAKE_UP_EVENT_TYPES);

/** What {@link commitWakeUpAt} reads of an event. */
export interface CommittedEvent {
  readonly type: string;
  readonly data?: unknown;
}

/**
 * When the stream record of one commit should wake its request: `now` for
 * most, `undefined` for a commit that needs no wake-up.
 *
 * - A commit that starts a step (`step.started`) was written by a runner
 *   that holds that step's lease and runs on: waking the request now would
 *   only find the lease held. Its wake-up is the crash net, due when the
 *   earliest lease it took ends — the moment another runner may take over.
 * - A commit that stores an outcome of a step *together with* the next
 *   lease or the request's end was written by the runner that ran that
 *   step, in the same invocation that took the step's lease: every lease of
 *   one invocation ends at its deadline, and the commit that took the first
 *   of them already woke the request for then. It needs no wake-up of its
 *   own — after an end, that earlier one is what settles a parent and the
 *   concurrency slot if the runner dies before it does. (An outcome alone
 *   may be a child's end stored in its parent by the child's runner: it
 *   wakes now.)
 *
 * @example
 * commitWakeUpAt([{ type: 'step.started', data: { stepId: 'a', attempt: 1, leaseUntil: 9_000 } }], 1_000); // 9000
 * commitWakeUpAt([{ type: 'step.completed', data: {} }, { type: 'request.completed', data: {} }], 1_000); // undefined
 * commitWakeUpAt([{ type: 'request.accepted', data: {} }], 1_000); // 1000
 */
export function commitWakeUpAt(events: readonly CommittedEvent[], now: number): number | undefined {
  const waking = events.filter((event) => WAKES.has(event.type));
  if (waking.length === 0 || continuesOwnRun(waking)) return undefined;
  if (waking.some((event) => !RUNNER_STEP_EVENTS.has(event.type))) return now;
  const leases = events
    .filter((event) => event.type === 'step.started')
    .map((event) => (event.data as LifecycleEventData['step.started'] | undefined)?.leaseUntil);
  if (leases.length === 0 || leases.some((until) => until === undefined)) return now;
  return Math.max(now, Math.min(...(leases as number[])));
}

/** Whether a commit's waking events are a runner's own outcome followed by its next lease or the end. */
function continuesOwnRun(waking: readonly CommittedEvent[]): boolean {
  const outcome = waking.some((event) => STEP_OUTCOMES.has(event.type));
  const goesOn = waking.some((event) => RUNS_ON.has(event.type));
  return outcome && goesOn && waking.every((event) => OWN_RUN_WORK.has(event.type));
}
