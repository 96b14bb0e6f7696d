import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { createTokenVerifier, type TokenVerifier } from '../auth/tokenVerifier';
import type { ConnectionStore } from '../connections/connectionStore';
import { DynamoDbConnectionStore } from '../connections/dynamodb/dynamoDbConnectionStore';
import { DynamoDbSubscriptionStore } from '../connections/dynamodb/dynamoDbSubscriptionStore';
import { ManagementApiFramePoster } from '../connections/framePoster';
import type { SubscriptionStore } from '../connections/subscriptionStore';
import type { EngineLogger, WorkflowRegistry } from '../engine';
import { DynamoDbEventStore } from '../events/dynamodb';
import { DynamoDbRateWindows } from '../flowControl/dynamodb/dynamoDbRateWindows';
import { InMemoryRateWindows } from '../flowControl/memory/inMemoryRateWindows';
import { createMessageAdmission, type MessageAdmission } from '../flowControl/messageAdmission';
import { RateLimiter } from '../flowControl/rateLimiter';
import { DynamoDbRequestViewStore } from '../projections/dynamodb/requestViewStore';
import type { RouterDeps } from '../router/router';
import {
  type AuthorizerConfig,
  type FrontDoorConfig,
  readAuthorizerConfig,
  readFrontDoorConfig,
} from '../settings/config';
import type { RateLimitConfig } from '../settings/flowControlConfig';
import { createTelemetry, type Telemetry } from './telemetry';
import { traced } from './tracing';

/** SDK clients the wiring uses; by default built from the environment (endpoints from `AWS_ENDPOINT_URL_*`). */
export interface FrontDoorClients {
  readonly dynamo?: DynamoDBClient;
  /** The Management API client for an endpoint. */
  readonly management?: (endpoint: string) => ApiGatewayManagementApiClient;
}

/** The connection and subscription stores of connect / disconnect. */
export interface ConnectionDeps {
  readonly connections: ConnectionStore;
  readonly subscriptions: SubscriptionStore;
  readonly clock: () => number;
}

/** The authorizer's token verifier, from its settings. */
export function authorizerDeps(config: AuthorizerConfig): { verify: TokenVerifier } {
  return {
    verify: createTokenVerifier({
      keys: config.keys,
      clockToleranceSec: config.clockToleranceSec,
      ...(config.issuer !== undefined && { issuer: config.issuer }),
      ...(config.audience !== undefined && { audience: config.audience }),
      ...(config.allowedTenants !== undefined && { allowedTenants: config.allowedTenants }),
    }),
  };
}

/** The stores of connect and disconnect. */
export function connectionDeps(
  config: FrontDoorConfig,
  clients: FrontDoorClients = {},
): ConnectionDeps {
  const dynamo = clients.dynamo ?? traced(new DynamoDBClient({}));
  return {
    connections: new DynamoDbConnectionStore({
      client: dynamo,
      tableName: config.connectionsTable,
    }),
    subscriptions: new DynamoDbSubscriptionStore({
      client: dynamo,
      tableName: config.subscriptionsTable,
    }),
    clock: () => Date.now(),
  };
}

/**
 * Everything the router needs: the event log, the stores, a frame poster on
 * the Management API (its client makes one attempt; the poster owns retries),
 * the clock and ULID ids, and the request view (read by `list`) when
 * REQUEST_VIEW_TABLE is set.
 */
export function routerDeps(
  registry: WorkflowRegistry,
  config: FrontDoorConfig,
  logger: EngineLogger,
  clients: FrontDoorClients = {},
): RouterDeps {
  const dynamo = clients.dynamo ?? traced(new DynamoDBClient({}));
  const { connections, subscriptions } = connectionDeps(config, { dynamo });
  if (!config.managementEndpoint)
    throw new Error('The router needs WEBSOCKET_MANAGEMENT_ENDPOINT to post catch-up frames');
  if (!config.requestViewTable)
    throw new Error(
      'The router needs REQUEST_VIEW_TABLE: `list` reads it, and `subscribe` announces new subscribers on it',
    );
  const views = new DynamoDbRequestViewStore({
    client: dynamo,
    tableName: config.requestViewTable,
  });
  const endpoint = config.managementEndpoint;
  const management =
    clients.management?.(endpoint) ??
    traced(new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 1 }));
  return {
    registry,
    store: new DynamoDbEventStore({ client: dynamo, tableName: config.requestsTable }),
    connections,
    subscriptions,
    poster: new ManagementApiFramePoster({ client: management, connections, subscriptions }),
    clock: () => Date.now(),
    newId: () => ulid(),
    logger,
    ...(config.rateLimits && { admission: admissionOf(dynamo, config.rateLimits, logger) }),
    views,
    subscriberChanges: views,
  };
}

/** The router's rate limits: tenants and starts on the rate limits table, connections in memory; one admission per container. */
function admissionOf(
  client: DynamoDBClient,
  config: RateLimitConfig,
  logger: EngineLogger,
): MessageAdmission {
  const limiter = new RateLimiter({
    store: new DynamoDbRateWindows({ client, tableName: config.table }),
    clock: () => Date.now(),
    onStoreError: (error, key) =>
      logger.warn('rate limit store failed: admitting a chunk', { key, error: String(error) }),
  });
  const perInstance = new RateLimiter({
    store: new InMemoryRateWindows(),
    clock: () => Date.now(),
  });
  return createMessageAdmission({ shared: limiter, perInstance }, config);
}

/** What the authorizer handler needs. */
export interface AuthorizerHandlerDeps {
  readonly verify: TokenVerifier;
  readonly telemetry: Telemetry;
}

/** The authorizer's dependencies from the environment (its JWT settings). */
export function authorizerHandlerDeps(): AuthorizerHandlerDeps {
  return { ...authorizerDeps(readAuthorizerConfig()), telemetry: createTelemetry('authorizer') };
}

/** What the `$connect` and `$disconnect` handlers need. */
export interface ConnectionHandlerDeps extends ConnectionDeps {
  readonly telemetry: Telemetry;
}

/** The connect or disconnect handler's dependencies from the environment. */
export function connectionHandlerDeps(
  component: 'connect' | 'disconnect',
): () => ConnectionHandlerDeps {
  return () => ({
    ...connectionDeps(readFrontDoorConfig()),
    telemetry: createTelemetry(component),
  });
}

/** What the `$default` (router) handler needs. */
export interface RouterHandlerDeps {
  readonly router: RouterDeps;
  readonly telemetry: Telemetry;
}

/**
 * The router handler's dependencies from the environment, around the
 * workflows it serves.
 *
 * @example
 * export const handler = createRouterHandler(routerHandlerDeps(createWorkflowRegistry(workflows)));
 */
export function routerHandlerDeps(registry: WorkflowRegistry): () => RouterHandlerDeps {
  return () => {
    const telemetry = createTelemetry('router');
    const config = readFrontDoorConfig(process.env, { requireManagementEndpoint: true });
    return { router: routerDeps(registry, config, telemetry.logger), telemetry };
  };
}
