import type { TableNames } from '../src/tables/definitions';
import type { FunctionKind } from './functionEntries';
import type { JwtSettings } from './streamerEngine';

/** Everything the functions' environment variables are made of. */
export interface FunctionEnvironmentValues {
  readonly stage: string;
  readonly tableNames: TableNames;
  readonly deadLetterQueueUrl: string;
  readonly wakeUpQueueUrl: string;
  readonly managementEndpoint: string;
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
  stage: 'STREAMER_STAGE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  sourceMaps: 'NODE_OPTIONS',
} as const;

type Needs = 'tables' | 'queues' | 'management' | 'jwt';
const NEEDS: Readonly<Record<FunctionKind, readonly Needs[]>> = {
  authorizer: ['jwt'],
  connect: ['tables'],
  disconnect: ['tables'],
  router: ['tables', 'management'],
  // The back-end trio reads one config (src/lambdas/backendConfig.ts) that requires every
  // table, queue and the Management API endpoint, whichever of them each one uses.
  processor: ['tables', 'queues', 'management'],
  projector: ['tables', 'queues', 'management'],
  timer: ['tables', 'queues', 'management'],
};

/**
 * The environment of one function: only the settings it uses, so a function
 * cannot learn the names of resources it has no grant on anyway.
 */
export function functionEnvironment(
  kind: FunctionKind,
  values: FunctionEnvironmentValues,
): Record<string, string> {
  const needs = new Set(NEEDS[kind]);
  const env: Record<string, string> = {
    [ENV.serviceName]: 'streamer',
    [ENV.metricsNamespace]: 'Streamer',
    [ENV.stage]: values.stage,
    [ENV.sourceMaps]: '--enable-source-maps',
  };
  if (needs.has('tables')) {
    env[ENV.requestsTable] = values.tableNames.requests;
    env[ENV.requestViewTable] = values.tableNames.requestView;
    env[ENV.connectionsTable] = values.tableNames.connections;
    env[ENV.subscriptionsTable] = values.tableNames.subscriptions;
  }
  if (needs.has('queues')) {
    env[ENV.deadLetterQueueUrl] = values.deadLetterQueueUrl;
    env[ENV.wakeUpQueueUrl] = values.wakeUpQueueUrl;
  }
  if (needs.has('management')) env[ENV.managementEndpoint] = values.managementEndpoint;
  if (needs.has('jwt')) {
    const { jwt } = values;
    if (jwt.publicKeyPem) env[ENV.jwtPublicKey] = jwt.publicKeyPem;
    if (jwt.jwksUrl) env[ENV.jwksUrl] = jwt.jwksUrl;
    if (jwt.issuer) env[ENV.jwtIssuer] = jwt.issuer;
    if (jwt.audience) env[ENV.jwtAudience] = jwt.audience;
  }
  return env;
}
