import type { StoredEvent } from './event';

/**
 * The catalogue of lifecycle events the engine writes. `docs/events.md`
 * describes each one with an example; keep the two in step.
 */

/** A serialisable error as recorded in the log. */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
  /** Whether the engine may try again; false for validation and "fatal" errors. */
  readonly retryable: boolean;
  readonly details?: unknown;
}

/** Data of every lifecycle event type, by type. */
export interface LifecycleEventData {
  /** The router accepted an async request; always seq 1. */
  'request.accepted': {
    readonly action: string;
    readonly workflowVersion: number;
    readonly input: unknown;
    /** The id the client chose (frames echo it); the log key is tenant-scoped. */
    readonly clientRequestId: string;
    /** The connection that submitted it, which receives its frames. */
    readonly connectionId?: string;
    readonly metadata?: Readonly<Record<string, string>>;
    readonly maxAttempts: number;
    /** Set when a parent workflow started this request as its child step (same tenant). */
    readonly parent?: {
      readonly requestKey: string;
      readonly requestId: string;
      /** The parent's step that waits for this request to end. */
      readonly stepId: string;
    };
  };
  /** A runner took the lease on a step invocation (the conditional append is the lease). */
  'step.started': {
    readonly stepId: string;
    readonly attempt: number;
    /** Until when (epoch ms) the runner holds the step; after it, another runner may take over (crash recovery). */
    readonly leaseUntil?: number;
    /** True when this continues an attempt that was suspended or whose runner crashed (not a new attempt). */
    readonly resumed?: boolean;
    /**
     * True when this attempt is the half-open probe of the step's dependency
     * circuit (`docs/flow-control.md`): it keeps the previous attempt's number,
     * so a probe that fails does not use up one of the request's attempts.
     */
    readonly probe?: boolean;
  };
  'step.progress': {
    readonly stepId: string;
    readonly percentage: number;
    readonly message: string;
    readonly metadata?: Readonly<Record<string, unknown>>;
  };
  'step.checkpointed': { readonly stepId: string; readonly checkpoint: unknown };
  /** Replays as XState's `xstate.done.actor.<stepId>` with `output`. */
  'step.completed': { readonly stepId: string; readonly output: unknown };
  /** Replays as XState's `xstate.error.actor.<stepId>` once retries are over. */
  'step.failed': {
    readonly stepId: string;
    readonly attempt: number;
    readonly error: RecordedError;
    /** When the next attempt is due (epoch ms); absent when no attempt is left. */
    readonly retryAt?: number;
  };
  /**
   * A child-workflow step started its child request (`childWorkflow`): the
   * step now waits, without a lease, for the child's end, which the child's
   * runner records here as the step's `step.completed` / `step.failed`.
   */
  'child.started': { readonly stepId: string; readonly childRequestId: string };
  /**
   * A durable timer came due (an `after` delay or a delayed `raise`): replays
   * as the delayed event. Names the timer by its XState send id and the `seq`
   * that scheduled it, so a timer of a state since left and re-entered is ignored.
   */
  'timer.fired': { readonly timerId: string; readonly scheduledSeq: number };
  /**
   * A step's next attempt waits for its dependency's circuit (open, or
   * half-open with another run probing it) until `until` (epoch ms); no
   * attempt was started, so none was used up.
   */
  'step.deferred': {
    readonly stepId: string;
    readonly dependency: string;
    readonly until: number;
    readonly circuit: 'open' | 'half_open';
  };
  /**
   * The request's next step waits for a concurrency slot (`concurrency` of its
   * workflow, or the default per tenant): `position` runs are ahead of it in
   * the key's line (0: next). Recorded when it starts waiting and when its
   * position changes; its next `step.started` ends the wait.
   */
  'request.queued': {
    readonly position: number;
    /** The concurrency limit of the key it waits for. */
    readonly limit: number;
  };
  /** The runner ran out of time and handed the request to a later invocation. */
  'request.suspended': { readonly stepId?: string; readonly reason: 'timeout' };
  /** An external event (`signal` action) for a workflow waiting on it. */
  'request.signalled': {
    readonly event: { readonly type: string; readonly [key: string]: unknown };
  };
  'request.completed': { readonly output: unknown };
  'request.failed': {
    readonly error: RecordedError;
    readonly attempts: number;
    /**
     * True when the request is to be dead-lettered: a retryable failure used
     * up every attempt, or the request cannot run at all (`unrunnable`).
     */
    readonly exhausted?: boolean;
    /** The step whose failure ended the request, when one did. */
    readonly stepId?: string;
    /**
     * True when the registered workflows cannot run this log at all (its
     * workflow or version is not registered, or its machine invokes an actor
     * that is not a registered step): recorded from the raw log, without
     * folding the machine, and always `exhausted`.
     */
    readonly unrunnable?: boolean;
  };
  'request.cancelled': { readonly reason?: string };
  /** Attempts were exhausted (or the request cannot run); exactly one DLQ message was (to be) sent. */
  'request.dead_lettered': {
    readonly attempts: number;
    readonly errors: readonly RecordedError[];
    /** Id of the DLQ message (stable per failure, so a re-sent message can be de-duplicated). */
    readonly messageId?: string;
  };
  /** An operator redrove the request from the DLQ; it starts over with fresh attempts. */
  'request.redriven': { readonly by?: string; readonly reason?: string };
}

/** A lifecycle event type name. */
export type LifecycleEventType = keyof LifecycleEventData;

/** A stored lifecycle event, discriminated by `type`. */
export type LifecycleEvent = {
  [T in LifecycleEventType]: StoredEvent<T, LifecycleEventData[T]>;
}[LifecycleEventType];

/** The stored lifecycle event of type `T`, e.g. `LifecycleEventOf<'step.failed'>`. */
export type LifecycleEventOf<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;

/** Every lifecycle event type, for code that must tell them apart from newer or foreign types. */
export const LIFECYCLE_EVENT_TYPES = [
  'request.accepted',
  'step.started',
  'step.progress',
  'step.checkpointed',
  'step.completed',
  'step.failed',
  'child.started',
  'timer.fired',
  'step.deferred',
  'request.queued',
  'request.suspended',
  'request.signalled',
  'request.completed',
  'request.failed',
  'request.cancelled',
  'request.dead_lettered',
  'request.redriven',
] as const satisfies readonly LifecycleEventType[];

/**
 * Compiles only while {@link LIFECYCLE_EVENT_TYPES} lists every type of
 * `LifecycleEventData`; the error names the type that is missing. @internal
 */
export type EveryLifecycleTypeListed = MustBeNever<
  Exclude<LifecycleEventType, (typeof LIFECYCLE_EVENT_TYPES)[number]>
>;
type MustBeNever<T extends never> = T;

const knownTypes: ReadonlySet<string> = new Set(LIFECYCLE_EVENT_TYPES);

/**
 * The event as a member of the {@link LifecycleEvent} union, so a `switch` on
 * its `type` narrows its `data`; undefined for a type this code does not know
 * (written by newer code: readers skip it, which keeps logs forward compatible).
 * The data is trusted as the engine wrote it: the log is only appended by it.
 */
export function asLifecycleEvent(event: StoredEvent): LifecycleEvent | undefined {
  return knownTypes.has(event.type) ? (event as LifecycleEvent) : undefined;
}

/** The types after which a request is finished (invariant 2: exactly one per request). */
export const TERMINAL_EVENT_TYPES = [
  'request.completed',
  'request.failed',
  'request.cancelled',
] as const;

/** Whether `event` ends its request. */
export function isTerminalEvent(event: { readonly type: string }): boolean {
  return (TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type);
}
