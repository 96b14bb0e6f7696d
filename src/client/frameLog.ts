/** What an iterator does with an item of the log. */
export type Selection = 'yield' | 'skip' | 'stop';

/**
 * An append-only list that any number of async iterators read from the
 * start: each `for await` sees every item, however late it began. The run
 * handle keeps its delivered frames in one, so `run.events` and
 * `run.progress` miss nothing between `start()` and the loop.
 */
export class FrameLog<T> {
  readonly #items: T[] = [];
  readonly #waiters = new Set<() => void>();
  #ended = false;
  #failure: unknown;

  /** Every item so far. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Appends an item and wakes the iterators. Ignored after {@link end} or {@link fail}. */
  push(item: T): void {
    if (this.#ended) return;
    this.#items.push(item);
    this.#wake();
  }

  /** No more items: iterators finish after the last one. */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** No more items: iterators throw `error` after the last one. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failure = error;
    this.end();
  }

  /** An iterable over the items `select` keeps, ending early at the first it calls `stop`. */
  iterate<S extends T = T>(select: (item: T) => Selection = () => 'yield'): AsyncIterable<S> {
    return { [Symbol.asyncIterator]: () => this.#iterator<S>(select) };
  }

  #iterator<S extends T>(select: (item: T) => Selection): AsyncIterator<S> {
    let index = 0;
    let done = false;
    const next = async (): Promise<IteratorResult<S>> => {
      while (!done) {
        const item = this.#items[index];
        if (index < this.#items.length) {
          index++;
          const choice = select(item as T);
          if (choice === 'yield') return { value: item as S, done: false };
          if (choice === 'stop') done = true;
          continue;
        }
        if (this.#ended) {
          done = true;
          if (this.#failure !== undefined) throw this.#failure;
          break;
        }
        await new Promise<void>((resolve) => this.#waiters.add(resolve));
      }
      return { value: undefined, done: true };
    };
    return {
      next,
      return: async () => {
        done = true;
        return { value: undefined, done: true };
      },
    };
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
