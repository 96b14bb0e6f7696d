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

/** A finished step's events, held back to ride with the next append. */
interface HeldOutcome {
  readonly events: readonly NewEvent[];
  readonly lease: Lease;
}

/**
 * One runner's view of a request's log, and its only writer. It holds the
 * folded state at the last version it read or wrote, and the *held
 * outcomes*: finished steps' events, held back so they ride with the next
 * append (the next step's start, or the request's end), which makes each
 * step one write. Appends are conditional on the folded version and never
 * overlap: steps running in parallel write through the same queue.
 * @internal
 */
export class RunLog {
  readonly #deps: RunLogDeps;
  #state: RequestState;
  #held: readonly HeldOutcome[] = [];
  /** The state with the held outcomes folded in, for the outcomes (and version) it was made from. */
  #speculated:
    | {
        readonly held: readonly HeldOutcome[];
        readonly version: number;
        readonly state: RequestState;
      }
    | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #reloads = 0;

  private constructor(deps: RunLogDeps, state: RequestState) {
    this.#deps = deps;
    this.#state = state;
  }

  /**
   * Reads and folds the log; undefined when the request does not exist.
   * Throws {@link FoldError} when the registered workflows cannot fold it.
   */
  static async open(deps: RunLogDeps): Promise<RunLog | undefined> {
    const events = await deps.store.read(deps.requestKey);
    if (events.length === 0) return undefined;
    return new RunLog(
      deps,
      folding(() => replay(deps.registry, events)),
    );
  }

  /** The state as stored (without the held outcomes). */
  get state(): RequestState {
    return this.#state;
  }

  /** The state the next decision is made on: the stored state plus the held outcomes. */
  view(): RequestState {
    if (this.#held.length === 0) return this.#state;
    const cached = this.#speculated;
    if (cached?.held === this.#held && cached.version === this.#state.version) return cached.state;
    const events = this.#held.flatMap((outcome) => outcome.events);
    const state = this.#folded(cloneState(this.#state), events);
    this.#speculated = { held: this.#held, version: this.#state.version, state };
    return state;
  }

  /** An event of this request, stamped with the clock and the request's tenant and user. */
  event<T extends LifecycleEventType>(type: T, data: LifecycleEventData[T]): NewEvent {
    const { tenantId, userId } = this.#state;
    return { type, at: this.#deps.clock(), tenantId, userId, data };
  }

  /** Holds a finished step's events back, to ride with the next append. */
  hold(events: readonly NewEvent[], lease: Lease): void {
    this.#held = [...this.#held, { events, lease }];
  }

  /** Whether finished steps' events are waiting for the next append. */
  get hasHeld(): boolean {
    return this.#held.length > 0;
  }

  /**
   * Appends the held outcomes plus `events` at the folded version. On a
   * conflict the log is re-read; a held outcome survives it while its lease
   * still holds.
   */
  commit(events: readonly NewEvent[] = []): Promise<CommitResult> {
    return this.#exclusive(async () => {
      const held = this.#held;
      try {
        await this.#append([...held.flatMap((outcome) => outcome.events), ...events]);
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        await this.#reload();
        return this.#keepHeldThatHold();
      }
      this.#adopt(held, events);
      return { kind: 'committed' };
    });
  }

  /**
   * Appends a running step's own events (progress, a checkpoint) now, in the
   * same queue as every other append. Re-tries a conflict while the lease
   * holds; reports the lease lost otherwise.
   */
  writeWhileRunning(events: readonly NewEvent[], lease: Lease): Promise<RunningWrite> {
    return this.#exclusive(async () => {
      // This runner's own last commit may have ended the request (a sibling step
      // failed for good) while this step still ran: nothing may follow the end.
      if (!this.holds(lease)) return { kind: 'lost', reason: this.#lostReason() };
      for (let conflicts = 0; conflicts < MAX_CONFLICTS_PER_WRITE; conflicts++) {
        try {
          await this.#append(events);
          this.#folded(this.#state, events);
          return { kind: 'written' };
        } catch (error) {
          if (!(error instanceof VersionConflictError)) throw error;
          await this.#reload();
          if (!this.holds(lease)) return { kind: 'lost', reason: this.#lostReason() };
        }
      }
      return { kind: 'contended' };
    });
  }

  /** Whether `lease` is still this runner's: the step runs under that very `step.started`. */
  holds(lease: Lease): boolean {
    if (this.#state.terminal) return false;
    const invocation = this.#state.steps.get(lease.stepId);
    return invocation?.status === 'running' && invocation.startedSeq === lease.startedSeq;
  }

  /** How many times the log was re-read after another writer appended (a decision may be stale). */
  get reloads(): number {
    return this.#reloads;
  }

  async #reload(): Promise<void> {
    this.#reloads += 1;
    const events = await this.#deps.store.read(this.#deps.requestKey);
    this.#state = folding(() => replay(this.#deps.registry, events));
  }

  /**
   * Stores the held outcomes as they are, without folding them (their fold
   * is what failed): the steps that produced them never run again. A
   * conflict means the log moved on; the outcomes are then dropped.
   */
  async storeHeldUnfolded(): Promise<void> {
    const events = this.#held.flatMap((outcome) => outcome.events);
    this.#held = [];
    if (events.length === 0) return;
    try {
      await this.#exclusive(() => this.#append(events));
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
    }
  }

  /**
   * After a conflict: drops held outcomes whose lease is gone. The run stops
   * when the request was cancelled, or when every held outcome was taken away.
   */
  #keepHeldThatHold(): CommitResult {
    const kept = this.#held.filter((outcome) => this.holds(outcome.lease));
    const dropped = this.#held.length - kept.length;
    this.#held = kept;
    if (dropped === 0) return { kind: 'conflict' };
    if (this.#lostReason() === 'cancelled' || kept.length === 0) {
      return { kind: 'stopped', reason: this.#lostReason() };
    }
    return { kind: 'conflict' };
  }

  async #append(events: readonly NewEvent[]): Promise<void> {
    await this.#deps.store.append(this.#deps.requestKey, this.#state.version, events);
  }

  /** After a successful commit of `held` plus `events`: the state moves on, later holds stay held. */
  #adopt(held: readonly HeldOutcome[], events: readonly NewEvent[]): void {
    const speculated = this.#speculated;
    const base =
      held.length > 0 && speculated?.held === held && speculated.version === this.#state.version
        ? speculated.state
        : this.#folded(
            this.#state,
            held.flatMap((outcome) => outcome.events),
          );
    this.#state = this.#folded(base, events);
    this.#held = this.#held.slice(held.length);
    this.#speculated = undefined;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #lostReason(): LostReason {
    return this.#state.terminal?.type === 'request.cancelled' ? 'cancelled' : 'lost';
  }

  /** Folds `events` into `state` as the store numbered them (the next `seq`s), and returns it. */
  #folded(state: RequestState, events: readonly NewEvent[]): RequestState {
    let seq = state.version;
    folding(() => {
      for (const event of events) applyEvent(state, this.#stored(event, ++seq));
    });
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

/**
 * What folding the log threw: the registered workflows cannot run it (an
 * unregistered workflow or version, an actor missing or not a step of this
 * engine). Folds are pure, so it would throw again on every delivery. @internal
 */
export class FoldError extends Error {
  override readonly name = 'FoldError';
  constructor(override readonly cause: unknown) {
    super('The log cannot be folded by the registered workflows', { cause });
  }
}

/** Runs a fold, marking what it throws as a {@link FoldError} (folds do no I/O, so nothing else is caught). */
function folding<T>(fold: () => T): T {
  try {
    return fold();
  } catch (error) {
    throw error instanceof FoldError ? error : new FoldError(error);
  }
}
