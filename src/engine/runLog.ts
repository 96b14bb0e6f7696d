import { VersionConflictError } from '../events/errors';
import { EVENT_SCHEMA_VERSION, type NewEvent, type StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import type { LifecycleEventData, LifecycleEventType } from '../events/lifecycle';
import type { WorkflowRegistry } from './registry';
import { applyEvent, cloneState, type RequestState, replay } from './replay';

/** The lease a runner holds on a step: its `step.started` event. @internal */
export interface Lease {
  readonly stepId: string;
  /** `seq` of the `step.started` that took the lease. */
  readonly startedSeq: number;
}

/**
 * The result of an append by the runner:
 * - `committed`: stored and folded into {@link RunLog.state};
 * - `conflict`: another writer got there first; the log was re-read, decide again;
 * - `stopped`: the lease the pending outcome belongs to is gone (the request
 *   was cancelled, or another runner took the step over): stop this run.
 * @internal
 */
export type CommitResult =
  | { readonly kind: 'committed' }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'stopped'; readonly reason: LostReason };

/** Why a runner lost a step: the request was cancelled, or another runner holds it. @internal */
export type LostReason = 'cancelled' | 'lost';

/**
 * What became of a write made while a step runs: stored; not stored because
 * the lease is gone; or not stored because the log kept moving under it
 * (the lease may still hold). @internal
 */
export type RunningWrite =
  | { readonly kind: 'written' }
  | { readonly kind: 'lost'; readonly reason: LostReason }
  | { readonly kind: 'contended' };

/**
 * While its lease holds, a step's own writes (progress, checkpoints) are
 * re-tried after a conflict with another writer (a signal, a cancel that
 * turned out not to touch the step): at most this many times in a row, so a
 * log written faster than this runner can keep up is given up rather than
 * chased forever.
 */
const MAX_CONFLICTS_PER_WRITE = 3;

/** What a {@link RunLog} reads and writes with. @internal */
export interface RunLogDeps {
  readonly store: EventStore;
  readonly registry: WorkflowRegistry;
  readonly requestKey: string;
  readonly clock: () => number;
}

/**
 * One runner's view of a request's log, and its only writer. It holds the
 * folded state at the last version it read or wrote, and the *pending
 * outcome*: a finished step's events, held back so they ride with the next
 * append (the next step's start, or the request's end), which makes each
 * step one write. Every append is conditional on the folded version.
 * @internal
 */
export class RunLog {
  readonly #deps: RunLogDeps;
  #state: RequestState;
  #pending: { readonly events: readonly NewEvent[]; readonly lease: Lease } | undefined;
  /** The state with the pending outcome folded in, computed once per outcome. */
  #speculated: RequestState | undefined;

  private constructor(deps: RunLogDeps, state: RequestState) {
    this.#deps = deps;
    this.#state = state;
  }

  /** Reads and folds the log; undefined when the request does not exist. */
  static async open(deps: RunLogDeps): Promise<RunLog | undefined> {
    const events = await deps.store.read(deps.requestKey);
    if (events.length === 0) return undefined;
    return new RunLog(deps, replay(deps.registry, events));
  }

  /** The state as stored (without the pending outcome). */
  get state(): RequestState {
    return this.#state;
  }

  /** The state the next decision is made on: the stored state plus the pending outcome. */
  view(): RequestState {
    if (!this.#pending) return this.#state;
    this.#speculated ??= this.#folded(cloneState(this.#state), this.#pending.events);
    return this.#speculated;
  }

  /** An event of this request, stamped with the clock and the request's tenant and user. */
  event<T extends LifecycleEventType>(type: T, data: LifecycleEventData[T]): NewEvent {
    const { tenantId, userId } = this.#state;
    return { type, at: this.#deps.clock(), tenantId, userId, data };
  }

  /** Holds a finished step's events back, to ride with the next append. */
  hold(events: readonly NewEvent[], lease: Lease): void {
    this.#pending = { events, lease };
    this.#speculated = undefined;
  }

  /** Whether a finished step's events are waiting for the next append. */
  get hasPending(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Appends the pending outcome plus `events` at the folded version. On a
   * conflict the log is re-read; the pending outcome survives it while its
   * lease still holds.
   */
  async commit(events: readonly NewEvent[] = []): Promise<CommitResult> {
    const pending = this.#pending;
    try {
      await this.#append([...(pending?.events ?? []), ...events]);
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      await this.reload();
      if (!pending || this.holds(pending.lease)) return { kind: 'conflict' };
      this.#pending = undefined;
      return { kind: 'stopped', reason: this.#lostReason() };
    }
    this.#adopt(events);
    return { kind: 'committed' };
  }

  /**
   * Appends a running step's own events (progress, a checkpoint) now, one
   * write at a time (the caller chains them). Re-tries a conflict while the
   * lease holds; reports the lease lost otherwise.
   */
  async writeWhileRunning(events: readonly NewEvent[], lease: Lease): Promise<RunningWrite> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS_PER_WRITE; conflicts++) {
      try {
        await this.#append(events);
        this.#folded(this.#state, events);
        return { kind: 'written' };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        await this.reload();
        if (!this.holds(lease)) return { kind: 'lost', reason: this.#lostReason() };
      }
    }
    return { kind: 'contended' };
  }

  /** Re-reads and folds the whole log (after a conflict). */
  async reload(): Promise<void> {
    this.#speculated = undefined;
    this.#state = replay(this.#deps.registry, await this.#deps.store.read(this.#deps.requestKey));
  }

  /** Whether `lease` is still this runner's: the step runs under that very `step.started`. */
  holds(lease: Lease): boolean {
    if (this.#state.terminal) return false;
    const invocation = this.#state.steps.get(lease.stepId);
    return invocation?.status === 'running' && invocation.startedSeq === lease.startedSeq;
  }

  async #append(events: readonly NewEvent[]): Promise<void> {
    await this.#deps.store.append(this.#deps.requestKey, this.#state.version, events);
  }

  /** After a successful commit: the stored state moves to the speculated one plus `events`. */
  #adopt(events: readonly NewEvent[]): void {
    if (this.#pending) this.#state = this.view();
    this.#folded(this.#state, events);
    this.#pending = undefined;
    this.#speculated = undefined;
  }

  #lostReason(): LostReason {
    return this.#state.terminal?.type === 'request.cancelled' ? 'cancelled' : 'lost';
  }

  /** Folds `events` into `state` as the store numbered them (the next `seq`s), and returns it. */
  #folded(state: RequestState, events: readonly NewEvent[]): RequestState {
    let seq = state.version;
    for (const event of events) applyEvent(state, this.#stored(event, ++seq));
    return state;
  }

  #stored(event: NewEvent, seq: number): StoredEvent {
    return {
      ...event,
      requestKey: this.#deps.requestKey,
      seq,
      schemaVersion: event.schemaVersion ?? EVENT_SCHEMA_VERSION,
    };
  }
}
