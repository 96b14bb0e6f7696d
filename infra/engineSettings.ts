import { Duration } from 'aws-cdk-lib';
import type { FunctionKind } from './functionEntries';

/** Sizing of one Lambda function. */
export interface FunctionSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
}

/** Defaults per function; the workflow runners get CPU (memory) and the longest budgets. */
export const DEFAULT_SIZING: Readonly<Record<FunctionKind, FunctionSizing>> = {
  authorizer: { memorySize: 512, timeout: Duration.seconds(10) },
  connect: { memorySize: 256, timeout: Duration.seconds(10) },
  disconnect: { memorySize: 256, timeout: Duration.seconds(10) },
  // API Gateway waits at most 29 s for an integration; sync work is ≤ 5 s by contract.
  router: { memorySize: 1024, timeout: Duration.seconds(29) },
  processor: { memorySize: 1024, timeout: Duration.minutes(5) },
  projector: { memorySize: 512, timeout: Duration.minutes(1) },
  timer: { memorySize: 1024, timeout: Duration.minutes(5) },
};

/** Settings of one stream mapping. */
export interface StreamMappingSettings {
  readonly batchSize: number;
  /** Retries of a failing batch (bisected each time) before it goes to the failed-events queue. */
  readonly retryAttempts: number;
  /** Records older than this go to the failed-events queue instead of blocking the shard. */
  readonly maxRecordAge: Duration;
}

/** Stream mapping settings (DESIGN §7: never Lambda's 24-hour, shard-blocking defaults). */
export const STREAM_MAPPING: {
  readonly processor: StreamMappingSettings;
  readonly projector: StreamMappingSettings;
  readonly parallelizationFactor: number;
} = {
  processor: { batchSize: 10, retryAttempts: 5, maxRecordAge: Duration.hours(1) },
  projector: { batchSize: 100, retryAttempts: 5, maxRecordAge: Duration.hours(1) },
  /** Records of different requests are processed in parallel, each request's in order. */
  parallelizationFactor: 10,
};

/** The wake-up queue's mapping onto the timer. */
export const WAKE_UP_MAPPING = { batchSize: 10 } as const;

/** After this many failed receives a wake-up moves to the failed-events queue. */
export const WAKE_UP_MAX_RECEIVES = 10;

/** AWS's guidance for SQS event sources: a visibility timeout of at least six times the consumer's timeout. */
export function wakeUpVisibilityTimeout(timerTimeout: Duration): Duration {
  return Duration.seconds(timerTimeout.toSeconds() * 6);
}

/** The alias every function is invoked through, so a deploy can shift traffic between versions. */
export const LIVE_ALIAS = 'live';

/**
 * The esbuild settings of every bundle, shared by the CDK construct (through
 * `NodejsFunction`) and the Pulumi component (through esbuild's API), so both
 * deploy the same code.
 */
export const BUNDLE = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require(); give the ESM bundle one.
  banner:
    "import { createRequire as __streamerCreateRequire } from 'node:module'; const require = __streamerCreateRequire(import.meta.url);",
  outFile: 'index.mjs',
  handler: 'index.handler',
  runtime: 'nodejs22.x',
  architecture: 'arm64',
} as const;
