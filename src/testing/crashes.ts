import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore, ReadOptions } from '../events/eventStore';

/**
 * Where a runner's process dies, named by the append it dies around:
 * - `after_step_started`: the lease is stored, the reply is lost; the step never runs.
 * - `during_step`: a running step's checkpoint or progress is stored, then the process dies.
 * - `before_step_outcome`: the step ran (its side effects happened), its outcome is never stored.
 * - `after_step_outcome`: the outcome is stored, the reply is lost.
 * - `before_dead_letter_record`: the dead letter was sent, `request.dead_lettered` is never stored.
 * - `before_terminal`: the request's end (`completed` / `failed`) is never stored.
 * - `after_terminal`: the end is stored, the process dies before it tells a
 *   parent or gives the concurrency slot back.
 *
 * @example
 * await checkLifecycle(workflow, { inputs, crashPoints: ['before_step_outcome'] }); // only that one
 */
export const CRASH_POINTS = [
  'after_step_started',
  'during_step',
  'before_step_outcome',
  'after_step_outcome',
  'before_dead_letter_record',
  'before_terminal',
  'after_terminal',
] as const;

/**
 * One of {@link CRASH_POINTS}.
 *
 * @example
 * const point: CrashPoint = 'before_step_outcome';
 */
export type CrashPoint = (typeof CRASH_POINTS)[number];

/**
 * Thrown by a crashed run's store: the process is dead.
 *
 * @example
 * await engine.run('r1', { store: (s) => new CrashingStore(s, 'after_step_started') }).catch((error) => {
 *   if (!(error instanceof SimulatedCrash)) throw error;
 * });
 */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

const has = (events: readonly NewEvent[], ...types: string[]): boolean =>
  events.some((event) => types.includes(event.type));

/** Whether the append of `events` is where `point` dies, and whether it dies before or after storing. */
function crashOf(point: CrashPoint, events: readonly NewEvent[]): 'before' | 'after' | undefined {
  switch (point) {
    case 'after_step_started':
      return has(events, 'step.started') ? 'after' : undefined;
    case 'during_step':
      return has(events, 'step.checkpointed') ||
        (has(events, 'step.progress') && !has(events, 'step.completed', 'step.failed'))
        ? 'after'
        : undefined;
    case 'before_step_outcome':
      return has(events, 'step.completed', 'step.failed') ? 'before' : undefined;
    case 'after_step_outcome':
      return has(events, 'step.completed', 'step.failed') ? 'after' : undefined;
    case 'before_dead_letter_record':
      return has(events, 'request.dead_lettered') ? 'before' : undefined;
    case 'before_terminal':
      return has(events, 'request.completed', 'request.failed') ? 'before' : undefined;
    case 'after_terminal':
      return has(events, 'request.completed', 'request.failed') ? 'after' : undefined;
  }
}

/**
 * The store one run uses when its process is to die at `point`: it dies at
 * the first append that matches, and every call after that fails too.
 *
 * @example
 * await engine.run('r1', { store: (store) => new CrashingStore(store, 'before_step_outcome') })
 *   .catch((error) => { if (!(error instanceof SimulatedCrash)) throw error; });
 */
export class CrashingStore implements EventStore {
  #crashed = false;

  constructor(
    private readonly inner: EventStore,
    private readonly point: CrashPoint,
  ) {}

  /** Whether the process has died. */
  get crashed(): boolean {
    return this.#crashed;
  }

  async append(requestKey: string, expectedVersion: number, events: readonly NewEvent[]) {
    this.#checkAlive();
    const when = crashOf(this.point, events);
    if (when === 'before') this.#die(`before storing ${events.map((e) => e.type).join(', ')}`);
    const version = await this.inner.append(requestKey, expectedVersion, events);
    if (when === 'after') this.#die(`right after storing ${events.map((e) => e.type).join(', ')}`);
    return version;
  }

  async read(requestKey: string, options?: ReadOptions): Promise<StoredEvent[]> {
    this.#checkAlive();
    return this.inner.read(requestKey, options);
  }

  #checkAlive(): void {
    if (this.#crashed) throw new SimulatedCrash('the process has died');
  }

  #die(when: string): never {
    this.#crashed = true;
    throw new SimulatedCrash(`crashed (${this.point}) ${when}`);
  }
}
