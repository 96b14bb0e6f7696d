/**
 * A request to run at `dueAt` (fake epoch ms).
 *
 * @example
 * engine.pendingWakeUps(); // [{ requestKey: 'tenant-a#e2', dueAt: 1735689601000 }]
 */
export interface WakeUp {
  readonly requestKey: string;
  readonly dueAt: number;
}

/**
 * The test engine's stand-in for the stream mapping and the wake-up queue:
 * due wake-ups in time order, at most one per request and due time.
 * @internal
 */
export class WakeUpQueue {
  #queue: (WakeUp & { readonly order: number })[] = [];
  #order = 0;

  schedule(wakeUp: WakeUp): void {
    const same = this.#queue.some(
      (w) => w.requestKey === wakeUp.requestKey && w.dueAt === wakeUp.dueAt,
    );
    if (same) return;
    this.#queue.push({ ...wakeUp, order: this.#order++ });
    this.#queue.sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
  }

  /** Removes and returns the earliest wake-up due by `now` whose request `isFree`. */
  takeDue(now: number, isFree: (requestKey: string) => boolean): WakeUp | undefined {
    const index = this.#queue.findIndex((w) => w.dueAt <= now && isFree(w.requestKey));
    if (index < 0) return undefined;
    const [wakeUp] = this.#queue.splice(index, 1);
    return wakeUp && { requestKey: wakeUp.requestKey, dueAt: wakeUp.dueAt };
  }

  /** Removes and returns the earliest wake-up of `requestKey` due by `now`. */
  takeDueOf(requestKey: string, now: number): WakeUp | undefined {
    return this.takeDue(now, (key) => key === requestKey);
  }

  /** When the earliest wake-up due after `now` is due (those due by `now` wait for a free request). */
  nextDueAfter(now: number): number | undefined {
    return this.#queue.find((w) => w.dueAt > now)?.dueAt;
  }

  /** Every pending wake-up, earliest first. */
  pending(): WakeUp[] {
    return this.#queue.map(({ requestKey, dueAt }) => ({ requestKey, dueAt }));
  }
}
