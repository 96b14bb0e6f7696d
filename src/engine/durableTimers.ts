/**
 * Durable timers: XState's delayed events (`after` on a state, or a delayed
 * `raise`) made durable. XState's pure `transition` runs nothing; a delayed
 * event shows up in the actions it returns as `xstate.raise` with a numeric
 * `delay` (scheduled on entry) and `xstate.cancel` with its id (on exit).
 * The fold keeps the timers those actions leave pending. A timer's fire time
 * is the `at` of the event whose transition scheduled it plus the delay, so
 * it is the same in every replay; the runner records its firing as
 * `timer.fired`, which feeds the delayed event to the machine.
 */

/** A delayed event waiting to fire. */
export interface PendingTimer {
  /** XState's send id (for `after`: `xstate.after.<delay>.<state id>`). */
  readonly id: string;
  /** The event to feed the machine when it fires. */
  readonly event: { readonly type: string; readonly [key: string]: unknown };
  /** Epoch ms. */
  readonly fireAt: number;
  /** `seq` of the event whose transition scheduled it (tells a re-entered state's timer from the old one). */
  readonly scheduledSeq: number;
}

/** The part of an XState executable action the fold reads. */
interface MachineAction {
  readonly type: string;
  readonly params?: unknown;
}

/**
 * Applies the timer actions of one transition (in order) to `timers`:
 * a delayed raise adds a timer, a cancel removes one.
 */
export function applyTimerActions(
  timers: Map<string, PendingTimer>,
  actions: readonly MachineAction[],
  cause: { readonly at: number; readonly seq: number },
): void {
  for (const action of actions) {
    if (action.type === 'xstate.cancel') {
      const sendId = (action.params as { sendId?: unknown } | undefined)?.sendId;
      if (typeof sendId === 'string') timers.delete(sendId);
    } else if (action.type === 'xstate.raise') {
      const timer = delayedRaise(action.params, cause);
      if (timer) timers.set(timer.id, timer);
    }
  }
}

function delayedRaise(
  params: unknown,
  cause: { readonly at: number; readonly seq: number },
): PendingTimer | undefined {
  const { id, event, delay } = (params ?? {}) as { id?: unknown; event?: unknown; delay?: unknown };
  if (typeof delay !== 'number' || typeof id !== 'string') return undefined;
  if (typeof event !== 'object' || event === null) return undefined;
  return {
    id,
    event: event as PendingTimer['event'],
    fireAt: cause.at + Math.max(0, delay),
    scheduledSeq: cause.seq,
  };
}

/** The timers due at `now`, earliest first. */
export function dueTimers(timers: ReadonlyMap<string, PendingTimer>, now: number): PendingTimer[] {
  return [...timers.values()].filter((timer) => timer.fireAt <= now).sort(byFireAt);
}

/** The earliest fire time of `timers`, if any. */
export function nextFireAt(timers: ReadonlyMap<string, PendingTimer>): number | undefined {
  let earliest: number | undefined;
  for (const timer of timers.values()) earliest = Math.min(earliest ?? timer.fireAt, timer.fireAt);
  return earliest;
}

function byFireAt(a: PendingTimer, b: PendingTimer): number {
  return a.fireAt - b.fireAt || a.id.localeCompare(b.id);
}
