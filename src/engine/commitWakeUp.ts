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

const WAKES: ReadonlySet<string> = new Set(WAKE_UP_EVENT_TYPES);

/** What {@link commitWakeUpAt} reads of an event. */
export interface CommittedEvent {
  readonly type: string;
  readonly data?: unknown;
}

/**
 * When the stream record of one commit should wake its request: `now` for
 * most, `undefined` for a commit with no wake-up event. A commit of step
 * bookkeeping that starts a step (`step.started`, with the outcome of the
 * step before it) was written by a runner that holds that step's lease and
 * runs on, doing whatever else is due: waking the request now would only
 * find the lease held and ask again when it ends. Its wake-up is the crash
 * net, so it is due when the earliest lease it took ends — the moment
 * another runner may take over.
 *
 * @example
 * commitWakeUpAt([{ type: 'step.started', data: { stepId: 'a', attempt: 1, leaseUntil: 9_000 } }], 1_000); // 9000
 * commitWakeUpAt([{ type: 'request.accepted', data: {} }], 1_000); // 1000
 */
export function commitWakeUpAt(events: readonly CommittedEvent[], now: number): number | undefined {
  const waking = events.filter((event) => WAKES.has(event.type));
  if (waking.length === 0) return undefined;
  if (waking.some((event) => !RUNNER_STEP_EVENTS.has(event.type))) return now;
  const leases = events
    .filter((event) => event.type === 'step.started')
    .map((event) => (event.data as LifecycleEventData['step.started'] | undefined)?.leaseUntil);
  if (leases.length === 0 || leases.some((until) => until === undefined)) return now;
  return Math.max(now, Math.min(...(leases as number[])));
}
