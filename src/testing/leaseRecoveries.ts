import { InvariantViolation } from './errors';

/** A run that died holding a lease: its request is due to run again by the lease's end. */
interface Expected {
  readonly requestKey: string;
  /** How many runs had started (of any request) when it died: only later ones count. */
  readonly runsBefore: number;
  readonly by: number;
}

/** A run of the test engine: which request, and when (fake ms). @internal */
export interface RunStart {
  readonly requestKey: string;
  readonly at: number;
}

/** The wake-up of a lease's end is due at that instant; allow what a delivery may lag. */
const RECOVERY_TOLERANCE_MS = 1_000;

/**
 * How soon a crash is recovered from. A runner that dies holding a step's
 * lease must not leave its request waiting for SQS to redeliver the dead
 * run's message (the queue's visibility timeout, six times the runner's): the
 * lease commit's own wake-up, due when the lease ends, runs it again then.
 * Invariant 7 only says the request ends some time; this says when it is
 * picked up again.
 * @internal
 */
export class LeaseRecoveries {
  #expected: Expected[] = [];

  /** Records that a run of `requestKey` died at `runs` run starts with a lease held until `by`. */
  expect(requestKey: string, runs: number, by: number): void {
    this.#expected.push({ requestKey, runsBefore: runs, by });
  }

  /** Throws for an expectation whose time has passed without a run of its request. */
  check(now: number, runs: readonly RunStart[]): void {
    const pending: Expected[] = [];
    for (const expected of this.#expected) {
      const deadline = expected.by + RECOVERY_TOLERANCE_MS;
      // A run while the lease holds only finds it held: the one that counts starts once it ended.
      const recovered = runs
        .slice(expected.runsBefore)
        .some(
          (run) =>
            run.requestKey === expected.requestKey && run.at >= expected.by && run.at <= deadline,
        );
      if (recovered) continue;
      if (now <= deadline) {
        pending.push(expected);
        continue;
      }
      throw new InvariantViolation({
        invariant: '7 (a crashed run is picked up when its lease ends)',
        requestKey: expected.requestKey,
        detail: `a run died holding a lease until ${expected.by}; no run of the request started between then and ${deadline} (now ${now})`,
      });
    }
    this.#expected = pending;
  }
}
