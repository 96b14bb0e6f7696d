import { slotDemandOf } from './concurrency';
import type { EngineLogger } from './logger';
import type { RunLog } from './runLog';
import type { SlotStore } from './slotStore';

/** What {@link RunSlots} needs. @internal */
export interface RunSlotsDeps {
  readonly store: SlotStore | undefined;
  readonly defaultPerTenant: number | undefined;
  readonly clock: () => number;
  readonly remainingTimeMs: () => number;
  readonly logger: EngineLogger;
  /** This run's id: its holdings are its own. */
  readonly run: string;
  /** Ends whose slot this process already gave back (see {@link EndedReleases}). */
  readonly endedReleases: EndedReleases | undefined;
}

/**
 * The ends (request key and terminal `seq`) whose slot a run of this
 * process gave back, so later wake-ups of the same ended request (one per
 * stream batch holding its events) need not give it back again. Memory
 * only: after a crash, or in another process, the next wake-up of the
 * ended request does give it back, so nothing leaks. Bounded (oldest
 * forgotten first). One per processor container.
 */
export class EndedReleases {
  readonly #keys = new Set<string>();
  constructor(readonly capacity = 10_000) {}

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size <= this.capacity) return;
    const oldest = this.#keys.values().next();
    if (!oldest.done) this.#keys.delete(oldest.value);
  }
}

/** Whether the run may start steps now. @internal */
export type SlotAdmission =
  | { readonly kind: 'go' }
  | {
      readonly kind: 'queued';
      readonly position: number;
      readonly limit: number;
      /** When to look again if no release wakes it first (the backstop of a lost wake-up). */
      readonly recheckAt: number;
    };

/** How a run ended, as far as its slot is concerned. @internal */
export type SlotEnd = 'ended' | 'idle' | 'keep';

/** A holding outlives its run's budget by this much: the next invocation of a suspended run takes it over. */
export const HOLD_GRACE_MS = 60_000;

/** A queued run looks again after this long at the head of the line (longer further back). */
export const QUEUED_RECHECK_MS = 5_000;

/** The longest a queued run waits before it looks again. */
export const QUEUED_RECHECK_MAX_MS = 60_000;

const GO: SlotAdmission = { kind: 'go' };

/**
 * One run's use of the concurrency slots: take the request's slot before
 * its first step starts (or queue for it), and give it back when the run
 * stops with nothing left to run now. A slot is taken again after the log
 * was re-read (another writer appended: the holding may have been fenced
 * off by a release made at that newer version). Without a store, or when
 * no limit applies, it lets everything go.
 * @internal
 */
export class RunSlots {
  readonly #deps: RunSlotsDeps;
  readonly #log: RunLog;
  /** `log.reloads` when the slot was taken; undefined while none is held. */
  #heldAt: number | undefined;
  #queueWaitMs: number | undefined;

  constructor(deps: RunSlotsDeps, log: RunLog) {
    this.#deps = deps;
    this.#log = log;
  }

  /** How long this run's request waited in line before its slot, if it waited. */
  get queueWaitMs(): number | undefined {
    return this.#queueWaitMs;
  }

  /** Takes the slot before steps start; `inFlight` attempts mean it is held already. */
  async admit(inFlight: number): Promise<SlotAdmission> {
    const state = this.#log.state;
    const demand = slotDemandOf(state, this.#deps.defaultPerTenant);
    const store = this.#deps.store;
    if (!store || !demand) return GO;
    if (inFlight > 0 || this.#heldAt === this.#log.reloads) return GO;
    const now = this.#deps.clock();
    const recheckMs = recheckDelay(state.queued?.position ?? 0, demand.limit);
    const verdict = await store.acquire({
      ...demand,
      holder: state.requestKey,
      run: this.#deps.run,
      version: state.version,
      order: orderOf(state.acceptedAt, state.requestKey),
      now,
      holdUntil: now + this.#deps.remainingTimeMs() + HOLD_GRACE_MS,
      waitUntil: now + 3 * recheckMs + HOLD_GRACE_MS,
    });
    if (verdict.kind === 'granted') {
      this.#heldAt = this.#log.reloads;
      if (verdict.waitedSince !== undefined) this.#waited(now - verdict.waitedSince, demand.key);
      return GO;
    }
    const { position } = verdict;
    return {
      kind: 'queued',
      position,
      limit: demand.limit,
      recheckAt: now + recheckDelay(position, demand.limit),
    };
  }

  /**
   * After the run stopped: an ended request always gives its slot and place
   * in line back (so a crash between its end and the release leaks nothing:
   * the next wake-up of the ended request releases); an idle one gives back
   * what this run took, and leaves the line if it was in it. Returns the
   * request keys of the waiters to wake.
   */
  async release(end: SlotEnd): Promise<readonly string[]> {
    const state = this.#log.state;
    const demand = slotDemandOf(state, this.#deps.defaultPerTenant);
    const store = this.#deps.store;
    if (!store || !demand || end === 'keep') return [];
    if (end === 'idle' && this.#heldAt === undefined && !state.queued) return [];
    const ended = end === 'ended' ? `${state.requestKey}@${state.terminal?.seq}` : undefined;
    if (ended && this.#heldAt === undefined && this.#deps.endedReleases?.has(ended)) return [];
    if (ended && this.#heldAt === undefined && this.#stepStillLeased()) return [];
    try {
      const released = await store.release({
        ...demand,
        holder: state.requestKey,
        run: this.#deps.run,
        version: state.version,
        ...(state.queued && { leaveOrder: orderOf(state.acceptedAt, state.requestKey) }),
        now: this.#deps.clock(),
      });
      this.#heldAt = undefined;
      if (ended) this.#deps.endedReleases?.add(ended);
      return released.wake.filter((key) => key !== state.requestKey);
    } catch (error) {
      // The holding lapses at its expiry; the next run of the request releases it too.
      this.#deps.logger.warn('slot not released', {
        requestKey: state.requestKey,
        error: String(error),
      });
      return [];
    }
  }

  /**
   * Whether another runner still holds a live lease on a step of this
   * request. A request cancelled mid-step has ended, but the runner running
   * that step goes on until the step returns or its lease lapses: giving its
   * slot back now would let the next run in line start beside it. That
   * runner gives the slot back when its run stops; if it crashed, the
   * holding lapses by itself.
   */
  #stepStillLeased(): boolean {
    const now = this.#deps.clock();
    for (const invocation of this.#log.state.steps.values()) {
      if (invocation.status === 'running' && (invocation.leaseUntil ?? 0) > now) return true;
    }
    return false;
  }

  #waited(ms: number, key: string): void {
    this.#queueWaitMs = ms;
    this.#deps.logger.info('slot acquired after waiting', {
      tenant_id: this.#log.state.tenantId,
      requestKey: this.#log.state.requestKey,
      concurrency_key: key,
      queue_wait_ms: ms,
    });
  }
}

/** A waiter's place in line: acceptance time (zero-padded, so strings sort as numbers), then its key. */
export function orderOf(acceptedAt: number, requestKey: string): string {
  return `${String(Math.max(0, Math.floor(acceptedAt))).padStart(15, '0')}#${requestKey}`;
}

/** How long a waiter at `position` waits before looking again: the head soon, the back rarely. */
export function recheckDelay(position: number, limit: number): number {
  return Math.min(QUEUED_RECHECK_MAX_MS, QUEUED_RECHECK_MS * (1 + Math.floor(position / limit)));
}
