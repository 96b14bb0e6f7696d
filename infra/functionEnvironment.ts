import { ENV, locationVariables } from '../src/settings/environment';
import {
  DEFAULT_FLOW_CONTROL,
  type FlowControlSettings,
  flowControlVariables,
} from '../src/settings/flowControl';
import type { TableNames } from '../src/tables/definitions';
import type { FunctionKind } from './functionEntries';
import type { JwtSettings } from './streamerEngine';

/**
 * Everything the functions' environment variables are made of. The values
 * only known at deploy time are `V`: CDK tokens are strings, Pulumi's are
 * `Output<string>`.
 */
export interface FunctionEnvironmentValues<V = string> {
  readonly stage: string;
  readonly tableNames: TableNames;
  readonly deadLetterQueueUrl: V;
  readonly wakeUpQueueUrl: V;
  readonly managementEndpoint: V;
  readonly jwt: JwtSettings;
  /** Rate limits and default concurrency (the stage's; default {@link DEFAULT_FLOW_CONTROL}). */
  readonly flowControl?: FlowControlSettings;
}

export { ENV } from '../src/settings/environment';

const BACKEND: readonly (keyof typeof ENV)[] = [
  'requestsTable',
  'requestViewTable',
  'connectionsTable',
  'subscriptionsTable',
  'deadLetterQueueUrl',
  'wakeUpQueueUrl',
  'managementEndpoint',
];

/**
 * The variables each function's config requires: `readAuthorizerConfig` and
 * `readFrontDoorConfig` for the front door, `readDispatcherConfig` for the
 * processor, `readBackendConfig` for the projector and the runner (all in
 * `src/settings/config.ts`), which
 * reads every table and queue whichever of them a function uses. A variable
 * is no grant: IAM decides what each function may touch.
 */
const VARIABLES: Readonly<Record<FunctionKind, readonly (keyof typeof ENV)[]>> = {
  authorizer: [],
  connect: ['requestsTable', 'connectionsTable', 'subscriptionsTable'],
  disconnect: ['requestsTable', 'connectionsTable', 'subscriptionsTable'],
  router: [
    'requestsTable',
    'requestViewTable',
    'connectionsTable',
    'subscriptionsTable',
    'managementEndpoint',
    'rateLimitsTable',
    'tenantMessagesPerSecond',
    'connectionMessagesPerSecond',
    'tenantStartsPerSecond',
  ],
  processor: ['wakeUpQueueUrl'],
  projector: BACKEND,
  runner: [...BACKEND, 'flowControlTable', 'concurrencyPerTenant'],
};

/**
 * The environment of one function: Powertools' names, the stage, and only
 * the settings its config reads (the authorizer: the JWT settings).
 */
export function functionEnvironment<V = string>(
  kind: FunctionKind,
  values: FunctionEnvironmentValues<V>,
): Record<string, string | V> {
  const available = {
    ...locationVariables<V>(values),
    ...flowControlVariables(values.flowControl ?? DEFAULT_FLOW_CONTROL),
  };
  const env: Record<string, string | V> = {
    [ENV.serviceName]: 'streamer',
    [ENV.metricsNamespace]: 'Streamer',
    [ENV.stage]: values.stage,
    [ENV.sourceMaps]: '--enable-source-maps',
  };
  for (const key of VARIABLES[kind]) {
    const value = available[key];
    if (value !== undefined) env[ENV[key]] = value;
  }
  if (kind === 'authorizer') Object.assign(env, jwtEnvironment(values.jwt));
  return env;
}

/** The authorizer's variables; `readAuthorizerConfig` takes lists comma-separated. */
export function jwtEnvironment(jwt: JwtSettings): Record<string, string> {
  const env: Record<string, string> = {};
  if (jwt.publicKeyPem) env[ENV.jwtPublicKey] = jwt.publicKeyPem;
  if (jwt.jwksUrl) env[ENV.jwksUrl] = jwt.jwksUrl;
  if (jwt.issuer) env[ENV.jwtIssuer] = jwt.issuer;
  const audience = typeof jwt.audience === 'string' ? [jwt.audience] : jwt.audience;
  if (audience && audience.length > 0) env[ENV.jwtAudience] = audience.join(',');
  if (jwt.allowedTenants && jwt.allowedTenants.length > 0) {
    env[ENV.jwtAllowedTenants] = jwt.allowedTenants.join(',');
  }
  if (jwt.clockToleranceSeconds !== undefined) {
    env[ENV.jwtClockTolerance] = String(jwt.clockToleranceSeconds);
  }
  return env;
}
