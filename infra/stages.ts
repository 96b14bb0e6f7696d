import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { FlowControlSettings } from '../src/settings/flowControl';
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
  /**
   * Per-tenant and per-connection message rates at the router, async starts
   * per tenant, and the default concurrency per tenant of every workflow
   * (`docs/flow-control.md`). Undefined: `DEFAULT_FLOW_CONTROL`.
   */
  readonly flowControl?: FlowControlSettings;
  /**
   * How a deploy moves each function's `live` alias to its new version:
   * through CodeDeploy, canary or linear, rolled back automatically when one
   * of the engine's alarms fires. Undefined: the alias moves at once, without
   * CodeDeploy.
   */
  readonly trafficShifting?: TrafficShifting;
}

/** CodeDeploy's predefined Lambda deployment configurations (`CodeDeployDefault.Lambda<name>`). */
export const TRAFFIC_SHIFTINGS = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;

/** One of {@link TRAFFIC_SHIFTINGS}. */
export type TrafficShifting = (typeof TRAFFIC_SHIFTINGS)[number];

/**
 * The settings of each environment. Dev is disposable (tables and logs go
 * with the stack) and deploys new code at once; staging keeps its data on
 * delete and shifts traffic linearly over ten minutes; prod also turns on
 * deletion protection, keeps logs longest and sends 10 % of traffic to new
 * code for five minutes before the rest.
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
        flowControl: {
          tenantMessagesPerSecond: 50,
          connectionMessagesPerSecond: 20,
          tenantStartsPerSecond: 10,
          concurrencyPerTenant: 10,
        },
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
        flowControl: {
          tenantMessagesPerSecond: 250,
          connectionMessagesPerSecond: 50,
          tenantStartsPerSecond: 50,
          concurrencyPerTenant: 25,
        },
        trafficShifting: 'Linear10PercentEvery1Minute',
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
        flowControl: {
          tenantMessagesPerSecond: 1_000,
          connectionMessagesPerSecond: 100,
          tenantStartsPerSecond: 100,
          concurrencyPerTenant: 50,
        },
        trafficShifting: 'Canary10Percent5Minutes',
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

/** Parses a traffic-shifting setting (`-c trafficShifting=…`), failing with the accepted values. */
export function parseTrafficShifting(value: string): TrafficShifting | undefined {
  if (value === 'none') return undefined;
  if ((TRAFFIC_SHIFTINGS as readonly string[]).includes(value)) return value as TrafficShifting;
  throw new SettingError(
    `Unknown trafficShifting ${JSON.stringify(value)}: pass none or one of ${TRAFFIC_SHIFTINGS.join(', ')}`,
  );
}
