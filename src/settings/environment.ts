/**
 * The environment variables Streamer's functions read, by what they hold:
 * one list that the CDK app and the Pulumi component (infra/), the Lambda
 * settings readers (`config.ts`) and the local stack (src/local) all use, so a
 * name cannot drift between the one that sets it and the one that reads it.
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

/** A setting's key in {@link ENV}. */
export type SettingName = keyof typeof ENV;

/** Where the back end's tables and queues are, as the environment carries them. */
export interface BackendLocations<V = string> {
  readonly tableNames: {
    readonly requests: string;
    readonly requestView: string;
    readonly connections: string;
    readonly subscriptions: string;
  };
  readonly deadLetterQueueUrl: V;
  readonly wakeUpQueueUrl: V;
  readonly managementEndpoint: V;
}

/**
 * The variables that tell the functions where the tables, queues and the
 * Management API are: what infra sets per function (each only the ones its
 * config reads) and what the local stack sets for all of them at once.
 */
export function locationVariables<V = string>(
  values: BackendLocations<V>,
): Partial<Record<SettingName, string | V>> {
  return {
    requestsTable: values.tableNames.requests,
    requestViewTable: values.tableNames.requestView,
    connectionsTable: values.tableNames.connections,
    subscriptionsTable: values.tableNames.subscriptions,
    deadLetterQueueUrl: values.deadLetterQueueUrl,
    wakeUpQueueUrl: values.wakeUpQueueUrl,
    managementEndpoint: values.managementEndpoint,
  };
}

/** The same variables keyed by their environment names. */
export function asEnvironment<V>(
  settings: Partial<Record<SettingName, string | V | undefined>>,
): Record<string, string | V> {
  const env: Record<string, string | V> = {};
  for (const [key, value] of Object.entries(settings) as [SettingName, string | V | undefined][]) {
    if (value !== undefined) env[ENV[key]] = value;
  }
  return env;
}
