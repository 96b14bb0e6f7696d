/**
 * The shape every benchmark scenario shares. A scenario measures one path of
 * Streamer and, in the same run on the same machine, the raw baseline it is
 * compared with; `bench/run.ts` prints them side by side and writes
 * `bench/results/latest.json`.
 */

/** One measured figure. */
export interface BenchFigure {
  /** What was measured, e.g. "append, sequential". */
  readonly name: string;
  /** The figure for Streamer's path. */
  readonly value: number;
  /** Its unit, e.g. "ops/s", "ms p99", "ms/event". */
  readonly unit: string;
  /** The raw baseline measured in the same run, when there is one. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** Free-form extra facts (p50, max, errors, writes per request …). */
  readonly details?: Readonly<Record<string, number | string>>;
}

/** What a scenario gets from the runner. */
export interface BenchContext {
  /** Short smoke run (`npm run bench -- --quick`): fewer iterations, same shape. */
  readonly quick: boolean;
  /** DynamoDB Local started by the runner for the whole bench run. */
  readonly dynamoDbEndpoint: string;
  /** Progress line for the operator. */
  log(message: string): void;
}

/** A benchmark scenario. */
export interface BenchScenario {
  readonly name: string;
  run(context: BenchContext): Promise<BenchFigure[]>;
}
