import { ulid } from 'ulid';
import { type LocalStack, startLocalStack } from '../src/local/stack';
import { createBenchRegistry } from './benchWorkflows';
import { createLambdaMeter, type LambdaMeter } from './lambdaMeter';
import { type LoadGenerator, startLoadGenerator } from './load/fork';
import type { LoadResult } from './load/jobs';
import { type RawServer, startRawServer } from './rawServer';
import type { BenchFigure, LoadFigures } from './scenario';
import { installWriteCounter, type WriteCounter } from './writeCounter';

/** The local stack as the bench uses it. */
export interface BenchStack {
  readonly stack: LocalStack;
  /** A gateway URL carrying a fresh valid JWT for `sub` (tenant `bench`). */
  connectUrl(sub: string): Promise<string>;
  /** A fresh valid JWT for `sub` (tenant `bench`), e.g. for the client's `token`. */
  token(sub: string): Promise<string>;
}

/**
 * What the load scenarios share, started on first use and stopped once at
 * the end of the run: the whole local stack (`startLocalStack`, what `npm
 * start` runs, with its own DynamoDB Local, serving the bench workflows, in
 * this process), the raw `ws`
 * baseline server (also in this process), the load generator (its own
 * process) and the DynamoDB call counter.
 */
export interface BenchResources {
  stack(): Promise<BenchStack>;
  rawServer(): Promise<RawServer>;
  loadGenerator(): Promise<LoadGenerator>;
  /** What the stack's mappings and handlers reported (one line each), instead of printing it mid-table. */
  stackErrors(): readonly string[];
  /** Counts DynamoDB calls made in this process (installed with the stack). */
  writes(): WriteCounter;
  /** Invocations and billed durations of the stack's stream functions. */
  readonly lambdas: LambdaMeter;
  close(): Promise<void>;
}

/** Creates the lazily started resources of one bench run; `stackOptions` go to its local stack. */
export function createBenchResources(
  profileDir?: string,
  stackOptions: { readonly functionTimeoutMs?: number } = {},
): BenchResources {
  let stack: Promise<BenchStack> | undefined;
  let raw: Promise<RawServer> | undefined;
  let generator: Promise<LoadGenerator> | undefined;
  let counter: WriteCounter | undefined;
  const problems: string[] = [];
  const lambdas = createLambdaMeter();
  const writes = () => {
    counter ??= installWriteCounter();
    return counter;
  };
  return {
    stack() {
      writes();
      // Its own DynamoDB Local: see scenarios.ts.
      stack ??= startLocalStack({
        tablePrefix: `bench-${ulid().toLowerCase()}`,
        registry: createBenchRegistry(),
        ...stackOptions,
        wrapStreamHandler: (name, handler) => lambdas.wrap(name, handler),
        wrapRunnerHandler: (handler) => lambdas.wrap('runner', handler),
        onError: (error, where) =>
          problems.push(
            `[${where}] ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
          ),
      }).then((started) => {
        const identity = started.devIdentity;
        if (!identity) throw new Error('the bench needs the stack to generate its dev key');
        const token = (sub: string) => identity.mintToken({ sub, tenant_id: 'bench' });
        return {
          stack: started,
          token,
          connectUrl: async (sub) => `${started.url}/?Authorization=${await token(sub)}`,
        };
      });
      return stack;
    },
    rawServer() {
      raw ??= startRawServer();
      return raw;
    },
    loadGenerator() {
      generator ??= startLoadGenerator(profileDir);
      return generator;
    },
    writes,
    lambdas,
    stackErrors: () => problems,
    async close() {
      await (await generator)?.stop();
      await (await raw)?.close();
      await (await stack)?.stack.stop();
      counter?.uninstall();
    },
  };
}

/** The open-loop figures of a load generator result. */
export function loadFigures(result: LoadResult): LoadFigures {
  const { p50, p99, max, count } = result.latency.summary;
  return {
    offeredRate: result.offeredRate,
    achievedRate: result.achievedRate,
    p50,
    p99,
    max,
    errors: result.errors,
    count,
  };
}

/** A p99 figure for `ours`, next to `baseline` when there is one. */
export function latencyFigure(
  name: string,
  ours: LoadResult,
  baseline?: { readonly name: string; readonly result: LoadResult },
  details?: Readonly<Record<string, number | string>>,
): BenchFigure {
  const load = loadFigures(ours);
  return {
    name,
    value: load.p99,
    unit: 'ms p99',
    load,
    ...(baseline && {
      baseline: {
        name: baseline.name,
        value: baseline.result.latency.summary.p99,
        load: loadFigures(baseline.result),
      },
    }),
    ...(details && { details }),
  };
}

/** One line for the operator's log. */
export function describeLoad(label: string, result: LoadResult): string {
  const { p50, p99, max } = result.latency.summary;
  return `${label}: ${result.achievedRate.toFixed(0)}/${result.offeredRate}/s, p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}, errors ${result.errors}`;
}

/** A latency for the log; a run with no completion has none (NaN, which JSON carries as null). */
function ms(value: number | null): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a';
}
