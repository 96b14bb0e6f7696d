/**
 * The port concurrency slots are kept behind. A *key* (one workflow's runs
 * of one tenant, or of one tenant and a key of the input) has `limit` slots;
 * a request holds one while it has a step to run, and waits in the key's
 * line (first come, first served by acceptance time) while none is free.
 * Adapters: `DynamoDbSlotStore` and `InMemorySlotStore`; both pass
 * `test/flowControl/slotStoreContract.ts`.
 *
 * A holding is fenced by the log version it was taken at: the run that
 * releases it gives the version its own log ended at, and a holding taken
 * at an older version goes (that run's next step start would conflict on
 * the log and take the slot again first), while one taken at the same or a
 * newer version stays unless it is the releasing run's own.
 */
export interface SlotStore {
  /** Takes (or keeps) a slot of the claim's key, or queues for one. */
  acquire(claim: SlotClaim): Promise<SlotVerdict>;
  /** Gives a holding and a place in line back; says which waiters may now take a slot. */
  release(release: SlotRelease): Promise<SlotReleased>;
}

/** A request asking for a slot. */
export interface SlotClaim {
  readonly key: string;
  readonly limit: number;
  /** The request key. */
  readonly holder: string;
  /** The asking run (one invocation of the runner). */
  readonly run: string;
  /** The log version the run's decision was made at. */
  readonly version: number;
  /** Its place in line: waiters are served in ascending order (`<acceptedAt>#<requestKey>`). */
  readonly order: string;
  readonly now: number;
  /** Until when a holding lasts unless taken again: a crashed holder frees its slot then. */
  readonly holdUntil: number;
  /** Until when a place in line lasts unless the waiter looks again. */
  readonly waitUntil: number;
}

/** What became of a claim. */
export type SlotVerdict =
  /** `waitedSince`: when it joined the line, if it waited. */
  | { readonly kind: 'granted'; readonly waitedSince?: number }
  /** `position` waiters are ahead of it (0: next in line). */
  | { readonly kind: 'queued'; readonly position: number; readonly since: number };

/** A holding (and place in line) given back. */
export interface SlotRelease {
  readonly key: string;
  readonly limit: number;
  readonly holder: string;
  readonly run: string;
  /** The version the releasing run's log ended at (see the fencing rule above). */
  readonly version: number;
  /** The waiter's `order`, to leave the line too (a request that ended or stopped waiting). */
  readonly leaveOrder?: string;
  readonly now: number;
}

/** The waiters that may take the slots now free: wake them. */
export interface SlotReleased {
  /** Their request keys, first in line first. */
  readonly wake: readonly string[];
}
