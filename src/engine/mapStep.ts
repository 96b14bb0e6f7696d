import type { PromiseActorLogic } from 'xstate';
import { type StepContext, step } from './step';

/** What the function run for one item gets: the step's context, plus the item's place. */
export interface MapItemContext<TInput = unknown, TStepInput = unknown>
  extends StepContext<TInput, TStepInput, MapCheckpoint> {
  /** The item's position in the list. */
  readonly index: number;
}

/** Options of {@link map}. */
export interface MapOptions<TItem, TOutput, TInput, TStepInput> {
  /** The list to map, from the step's context (its `input` or the invoke's `stepInput`). */
  readonly items: (context: StepContext<TInput, TStepInput>) => readonly TItem[];
  /** Runs one item; its value must be JSON. Like a step, an item may run more than once. */
  readonly run: (item: TItem, context: MapItemContext<TInput, TStepInput>) => Promise<TOutput>;
  /** Items in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Items between checkpoints. Default 100. */
  readonly checkpointEvery?: number;
}

/**
 * The checkpoint of a {@link map} step: the outputs of the leading items that
 * are all done. An item after that prefix that had finished before a
 * suspension runs again on resume (at least once, like every step).
 */
export interface MapCheckpoint {
  readonly outputs: readonly unknown[];
}

/**
 * A durable step that runs `run` once per item of a list, at most
 * `concurrency` at a time, and resolves with the outputs in the items'
 * order. It checkpoints the finished prefix every `checkpointEvery` items
 * and reports progress, so a long list survives timeouts, crashes and
 * redeliveries: a resumed run starts after the last checkpoint. The
 * checkpoint holds every output so far, so keep outputs small (a 400 KB
 * event limit applies): return references, not payloads.
 *
 * @example
 * const resizeAll = map({
 *   items: ({ input }) => input.images,
 *   run: async (image, { signal }) => resize(image, { signal }),
 *   concurrency: 8,
 * });
 * setup({ actors: { resizeAll } }).createMachine({ … invoke: { src: 'resizeAll', onDone: 'done' } … });
 */
export function map<TItem, TOutput, TInput = unknown, TStepInput = unknown>(
  options: MapOptions<TItem, TOutput, TInput, TStepInput>,
): PromiseActorLogic<TOutput[], TStepInput> {
  const concurrency = positive(options.concurrency ?? 4, 'concurrency');
  const checkpointEvery = positive(options.checkpointEvery ?? 100, 'checkpointEvery');
  return step<TOutput[], TInput, TStepInput>(async (context) => {
    const items = options.items(context);
    const resumed = (context.checkpoint as MapCheckpoint | undefined)?.outputs ?? [];
    const run = new MapRun<TItem, TOutput, TInput, TStepInput>(items, resumed as TOutput[], {
      ...options,
      checkpointEvery,
      context,
    });
    await Promise.all(
      Array.from({ length: Math.min(concurrency, items.length) }, () => run.worker()),
    );
    return run.outputs();
  });
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`map: ${name} must be a whole number >= 1, got ${value}`);
  }
  return value;
}

/** The options a {@link MapRun} works with. */
type MapRunOptions<TItem, TOutput, TInput, TStepInput> = MapOptions<
  TItem,
  TOutput,
  TInput,
  TStepInput
> & {
  readonly checkpointEvery: number;
  readonly context: StepContext<TInput, TStepInput>;
};

/** One attempt of a map step: workers take items in order; the done prefix is checkpointed. */
class MapRun<TItem, TOutput, TInput, TStepInput> {
  readonly #items: readonly TItem[];
  readonly #results: (TOutput | undefined)[];
  readonly #done: boolean[];
  readonly #options: MapRunOptions<TItem, TOutput, TInput, TStepInput>;
  #next: number;
  #prefix: number;
  #checkpointed: number;

  constructor(
    items: readonly TItem[],
    resumed: readonly TOutput[],
    options: MapRunOptions<TItem, TOutput, TInput, TStepInput>,
  ) {
    this.#items = items;
    this.#results = [...resumed];
    this.#done = items.map((_, index) => index < resumed.length);
    this.#options = options;
    this.#next = resumed.length;
    this.#prefix = resumed.length;
    this.#checkpointed = resumed.length;
  }

  /** Takes items until none is left (or the step is aborted). */
  async worker(): Promise<void> {
    const { context } = this.#options;
    while (this.#next < this.#items.length) {
      context.signal.throwIfAborted();
      const index = this.#next++;
      const itemContext = { ...context, index } as MapItemContext<TInput, TStepInput>;
      this.#results[index] = await this.#options.run(this.#items[index] as TItem, itemContext);
      this.#done[index] = true;
      await this.#advancePrefix();
    }
  }

  outputs(): TOutput[] {
    return this.#results as TOutput[];
  }

  /** Moves the done prefix on; checkpoints and reports progress every `checkpointEvery` items. */
  async #advancePrefix(): Promise<void> {
    while (this.#prefix < this.#items.length && this.#done[this.#prefix]) this.#prefix++;
    const { context, checkpointEvery } = this.#options;
    if (this.#prefix - this.#checkpointed < checkpointEvery || this.#prefix === this.#items.length)
      return;
    this.#checkpointed = this.#prefix;
    const outputs = this.#results.slice(0, this.#prefix);
    await context.saveCheckpoint({ outputs } satisfies MapCheckpoint);
    const percentage = Math.floor((this.#prefix / this.#items.length) * 100);
    context.progress.report(percentage, `${this.#prefix} of ${this.#items.length} items`);
  }
}
