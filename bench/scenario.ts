/**
 * The shape every benchmark scenario shares. A scenario measures one path of
 * Streamer and, in the same run on the same machine, the raw baseline it is
 * compared with; `bench/run.ts` prints them side by side and writes
 * `bench/results/latest.json`.
 */
import type { BenchResources } from './resources';

/** Open-loop figures of one load run (latencies in ms, from the scheduled send). */
export interface LoadFigures {
  /** The schedule's rate, per second. */
  readonly offeredRate: number;
  /** Completions per second actually achieved. */
  readonly achievedRate: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Failed or never answered. */
  readonly errors: number;
  /** Completions measured. */
  readonly count: number;
}

/** One measured figure. */
export interface BenchFigure {
  /** What was measured, e.g. "append, sequential". */
  readonly name: string;
  /** The figure for Streamer's path (for load figures: the p99). */
  readonly value: number;
  /** Its unit, e.g. "ops/s", "ms p99", "ms/event". */
  readonly unit: string;
  /** Open-loop figures, for scenarios that drive load. */
  readonly load?: LoadFigures;
  /** The raw baseline measured in the same run, when there is one. */
  readonly baseline?: {
    readonly name: string;
    readonly value: number;
    readonly load?: LoadFigures;
  };
  /** Free-form extra facts (writes per request, backlog …). */
  readonly details?: Readonly<Record<string, number | string>>;
}

/** What a scenario gets from the runner. */
export interface BenchContext {
  /** Short smoke run (`npm run bench -- --quick`): fewer iterations, same shape. */
  readonly quick: boolean;
  /** DynamoDB Local started by the runner for the whole bench run. */
  readonly dynamoDbEndpoint: string;
  /** The local stack, raw baseline server and load generator, started on first use. */
  readonly resources: BenchResources;
  /** Progress line for the operator. */
  log(message: string): void;
  /**
   * Runs `work`; with `--profile`, under the V8 CPU profiler of this process
   * (the system under test), written to `bench/results/profiles/<label>.cpuprofile`.
   */
  profile<T>(label: string, work: () => Promise<T>): Promise<T>;
}

/** A benchmark scenario. */
export interface BenchScenario {
  readonly name: string;
  run(context: BenchContext): Promise<BenchFigure[]>;
}
