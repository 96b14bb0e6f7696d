import { Duration } from 'aws-cdk-lib';
import {
  EVENT_SOURCE_MAPPINGS,
  type StreamMappingSettings as SharedStreamSettings,
  visibilityTimeoutSeconds,
} from '../src/settings/mappings';
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
  // The processor only dispatches wake-ups now: small and quick.
  processor: { memorySize: 256, timeout: Duration.seconds(30) },
  projector: { memorySize: 512, timeout: Duration.minutes(1) },
  runner: { memorySize: 1024, timeout: Duration.minutes(5) },
};

/** Settings of one stream mapping, as CDK takes them. */
export interface StreamMappingSettings {
  readonly batchSize: number;
  /** Retries of a failing batch (bisected each time) before it goes to the failed-events queue. */
  readonly retryAttempts: number;
  /** Records older than this go to the failed-events queue instead of blocking the shard. */
  readonly maxRecordAge: Duration;
}

const cdkStream = (settings: SharedStreamSettings): StreamMappingSettings => ({
  batchSize: settings.batchSize,
  retryAttempts: settings.retryAttempts,
  maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds),
});

/** Stream mapping settings: the shared ones (`src/settings/mappings.ts`) the local stack uses too. */
export const STREAM_MAPPING: {
  readonly processor: StreamMappingSettings;
  readonly projector: StreamMappingSettings;
  readonly parallelizationFactor: number;
} = {
  processor: cdkStream(EVENT_SOURCE_MAPPINGS.processor),
  projector: cdkStream(EVENT_SOURCE_MAPPINGS.projector),
  parallelizationFactor: EVENT_SOURCE_MAPPINGS.parallelizationFactor,
};

/** The wake-up queue's mapping onto the runner (shared with the local stack). */
export const WAKE_UP_MAPPING = EVENT_SOURCE_MAPPINGS.runner;

/** After this many failed receives a wake-up moves to the failed-events queue. */
export const WAKE_UP_MAX_RECEIVES = EVENT_SOURCE_MAPPINGS.runner.maxReceives;

/** AWS's guidance for SQS event sources: a visibility timeout of at least six times the consumer's timeout. */
export function wakeUpVisibilityTimeout(runnerTimeout: Duration): Duration {
  return Duration.seconds(visibilityTimeoutSeconds(runnerTimeout.toSeconds()));
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
