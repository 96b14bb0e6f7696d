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
}

/**
 * The environment variable names the handlers read (`src/lambdas/config.ts`).
 * Keep the two in step: a name here that config does not read is dead, a
 * name config requires that is missing here fails the function at cold start.
 */
export const ENV = {
  requestsTable: 'REQUESTS_TABLE',
  requestViewTable: 'REQUEST_VIEW_TABLE',
  connectionsTable: 'CONNECTIONS_TABLE',
  subscriptionsTable: 'SUBSCRIPTIONS_TABLE',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  wakeUpQueueUrl: 'WAKE_UP_QUEUE_URL',
  managementEndpoint: 'WEBSOCKET_MANAGEMENT_ENDPOINT',
  jwtPublicKey: 'JWT_PUBLIC_KEY',
  jwksUrl: 'JWKS_URL',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  jwtAllowedTenants: 'JWT_ALLOWED_TENANTS',
  jwtClockTolerance: 'JWT_CLOCK_TOLERANCE_SECONDS',
  stage: 'STREAMER_STAGE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  sourceMaps: 'NODE_OPTIONS',
} as const;

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
 * `readFrontDoorConfig` for the front door, `readBackendConfig` for the
 * back end (all in `src/lambdas/config.ts`), which
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
  ],
  processor: BACKEND,
  projector: BACKEND,
  timer: BACKEND,
};

/**
 * The environment of one function: Powertools' names, the stage, and only
 * the settings its config reads (the authorizer: the JWT settings).
 */
export function functionEnvironment<V = string>(
  kind: FunctionKind,
  values: FunctionEnvironmentValues<V>,
): Record<string, string | V> {
  const available: Partial<Record<keyof typeof ENV, string | V>> = {
    requestsTable: values.tableNames.requests,
    requestViewTable: values.tableNames.requestView,
    connectionsTable: values.tableNames.connections,
    subscriptionsTable: values.tableNames.subscriptions,
    deadLetterQueueUrl: values.deadLetterQueueUrl,
    wakeUpQueueUrl: values.wakeUpQueueUrl,
    managementEndpoint: values.managementEndpoint,
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
