import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDbConnectionStore,
  DynamoDbSubscriptionStore,
  ManagementApiFramePoster,
} from '../connections';
import type { EngineLogger, WorkflowRegistry } from '../engine';
import { DynamoDbEventStore } from '../events/dynamodb';
import type { DispatchDeps } from '../processor/dispatch';
import type { RunnerDeps } from '../processor/processRequest';
import { DynamoDbRequestViewStore } from '../projections/dynamodb/requestViewStore';
import { frameForEvent } from '../projections/progressFeed';
import { ProjectionCache } from '../projections/projectionCache';
import type { ProjectorDeps } from '../projections/projector';
import { SqsDeadLetterQueue } from '../queues/deadLetterQueue';
import { SqsWakeUpScheduler } from '../queues/wakeUpQueue';
import {
  type BackendConfig,
  type DispatcherConfig,
  readBackendConfig,
  readDispatcherConfig,
} from '../settings/config';
import { traced } from './tracing';

// The back end's real dependencies, from the environment. Clients are created
// once per Lambda container; endpoints come from the SDK's own
// `AWS_ENDPOINT_URL_*` variables, which is how the local stack points the
// very same code at DynamoDB Local and the SQS emulator.

const clock = () => Date.now();

/** The processor's: the wake-up queue it dispatches to. */
export function dispatcherDeps(config: DispatcherConfig = readDispatcherConfig()): DispatchDeps {
  const sqs = traced(new SQSClient({}));
  return {
    wakeUps: new SqsWakeUpScheduler({ sqs, queueUrl: config.wakeUpQueueUrl, clock }),
    clock,
  };
}

/** The runner's: the log, the workflows, the dead-letter and wake-up queues. */
export function runnerDeps(
  registry: WorkflowRegistry,
  logger: EngineLogger,
  config: BackendConfig = readBackendConfig(),
): RunnerDeps {
  const sqs = traced(new SQSClient({}));
  return {
    store: new DynamoDbEventStore({
      client: traced(new DynamoDBClient({})),
      tableName: config.requestsTable,
    }),
    registry,
    clock,
    logger,
    deadLetterSink: new SqsDeadLetterQueue({ sqs, queueUrl: config.deadLetterQueueUrl }),
    wakeUps: new SqsWakeUpScheduler({ sqs, queueUrl: config.wakeUpQueueUrl, clock }),
  };
}

/** The projector's: the log, the views, the connections and the Management API. */
export function projectorDeps(
  logger: EngineLogger,
  config: BackendConfig = readBackendConfig(),
): ProjectorDeps {
  const dynamo = traced(new DynamoDBClient({}));
  const connections = new DynamoDbConnectionStore({
    client: dynamo,
    tableName: config.connectionsTable,
  });
  const subscriptions = new DynamoDbSubscriptionStore({
    client: dynamo,
    tableName: config.subscriptionsTable,
  });
  const management = traced(
    new ApiGatewayManagementApiClient({ endpoint: config.managementEndpoint, maxAttempts: 1 }),
  );
  return {
    store: new DynamoDbEventStore({ client: dynamo, tableName: config.requestsTable }),
    views: new DynamoDbRequestViewStore({ client: dynamo, tableName: config.requestViewTable }),
    connections,
    subscriptions,
    poster: new ManagementApiFramePoster({ client: management, connections, subscriptions }),
    frameFor: (event, requestId) => frameForEvent(event, requestId),
    // Views and connection tenants kept for the container's life (bounded).
    cache: new ProjectionCache({ clock: () => Date.now() }),
    onDeliveryError: (connectionId, error) =>
      logger.warn('frame not delivered', { connection_id: connectionId, error }),
  };
}
