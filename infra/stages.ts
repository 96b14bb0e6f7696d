import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { SettingError } from './settingError';

/** The environments Streamer deploys to, one CloudFormation stack each. */
export const STAGE_NAMES = ['dev', 'staging', 'prod'] as const;

/** One of {@link STAGE_NAMES}. */
export type StageName = (typeof STAGE_NAMES)[number];

/** Everything that differs between environments. */
export interface StageSettings {
  readonly stage: StageName;
  /** Prefix of every physical name (tables, queues, functions, API): `streamer-<stage>`. */
  readonly prefix: string;
  /** What happens to tables, queues and log groups when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** DynamoDB deletion protection: a table cannot be deleted, not even by CloudFormation. */
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** Steady-state requests per second and burst of the WebSocket stage (all routes). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** How long undelivered dead letters and failed stream batches are kept. */
  readonly queueRetention: Duration;
}

/**
 * The settings of each environment. Dev is disposable (tables and logs go
 * with the stack); staging keeps its data on delete; prod also turns on
 * deletion protection and keeps logs longest.
 *
 * @example
 * const settings = stageSettings('staging'); // { prefix: 'streamer-staging', removalPolicy: RETAIN, … }
 */
export function stageSettings(stage: StageName, prefix = `streamer-${stage}`): StageSettings {
  switch (stage) {
    case 'dev':
      return {
        stage,
        prefix,
        removalPolicy: RemovalPolicy.DESTROY,
        deletionProtection: false,
        logRetention: RetentionDays.ONE_WEEK,
        throttle: { rateLimit: 100, burstLimit: 200 },
        queueRetention: Duration.days(4),
      };
    case 'staging':
      return {
        stage,
        prefix,
        removalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: false,
        logRetention: RetentionDays.ONE_MONTH,
        throttle: { rateLimit: 500, burstLimit: 1_000 },
        queueRetention: Duration.days(14),
      };
    case 'prod':
      return {
        stage,
        prefix,
        removalPolicy: RemovalPolicy.RETAIN,
        deletionProtection: true,
        logRetention: RetentionDays.THREE_MONTHS,
        throttle: { rateLimit: 2_000, burstLimit: 5_000 },
        queueRetention: Duration.days(14),
      };
  }
}

/** Parses a stage name from context or the command line, failing with the accepted values. */
export function parseStageName(value: unknown): StageName {
  const name = value ?? 'dev';
  if (typeof name === 'string' && (STAGE_NAMES as readonly string[]).includes(name)) {
    return name as StageName;
  }
  throw new SettingError(
    `Unknown stage ${JSON.stringify(name)}: pass -c stage=dev, -c stage=staging or -c stage=prod`,
  );
}
