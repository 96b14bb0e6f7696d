import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDbConnectionStore,
  DynamoDbSubscriptionStore,
  ManagementApiFramePoster,
} from '../connections';
import {
  EndedReleases,
  type EngineLogger,
  type FlowControl,
  type WorkflowRegistry,
} from '../engine';
import { DynamoDbEventStore } from '../events/dynamodb';
import { DynamoDbCircuitStore } from '../flowControl/dynamodb/dynamoDbCircuitStore';
import { DynamoDbSlotStore } from '../flowControl/dynamodb/dynamoDbSlotStore';
import type { ProcessorDeps } from '../processor/processRequest';
import { DynamoDbRequestViewStore } from '../projections/dynamodb/requestViewStore';
import { frameForEvent } from '../projections/progressFeed';
import type { ProjectorDeps } from '../projections/projector';
import { SqsDeadLetterQueue } from '../queues/deadLetterQueue';
import { SqsWakeUpScheduler } from '../queues/wakeUpQueue';
import { type BackendConfig, readBackendConfig } from './config';
import type { FlowControlConfig } from './flowControlConfig';
import { traced } from './tracing';

/**
 * Builds the processor's and the projector's real dependencies from the
 * environment. Clients are created once per Lambda container. Endpoints
 * come from the SDK's own `AWS_ENDPOINT_URL_*` variables, which is how the
 * local stack points the very same code at DynamoDB Local and the SQS emulator.
 */
export function backendDeps(
  registry: WorkflowRegistry,
  logger: EngineLogger,
  config: BackendConfig = readBackendConfig(),
): { processor: ProcessorDeps; projector: ProjectorDeps } {
  const dynamo = traced(new DynamoDBClient({}));
  const sqs = traced(new SQSClient({}));
  const clock = () => Date.now();
  const store = new DynamoDbEventStore({ client: dynamo, tableName: config.requestsTable });
  const connections = new DynamoDbConnectionStore({
    client: dynamo,
    tableName: config.connectionsTable,
  });
  const subscriptions = new DynamoDbSubscriptionStore({
    client: dynamo,
    tableName: config.subscriptionsTable,
  });
  return {
    processor: {
      store,
      registry,
      clock,
      logger,
      deadLetterSink: new SqsDeadLetterQueue({ sqs, queueUrl: config.deadLetterQueueUrl }),
      wakeUps: new SqsWakeUpScheduler({ sqs, queueUrl: config.wakeUpQueueUrl, clock }),
      ...(config.flowControl && { flowControl: flowControlOf(dynamo, config.flowControl) }),
    },
    projector: {
      store,
      views: new DynamoDbRequestViewStore({ client: dynamo, tableName: config.requestViewTable }),
      connections,
      subscriptions,
      poster: new ManagementApiFramePoster({
        client: traced(
          new ApiGatewayManagementApiClient({
            endpoint: config.managementEndpoint,
            maxAttempts: 1,
          }),
        ),
        connections,
        subscriptions,
      }),
      frameFor: (event, requestId) => frameForEvent(event, requestId),
      onDeliveryError: (connectionId, error, tenantId) =>
        logger.warn('frame not delivered', {
          tenant_id: tenantId,
          connection_id: connectionId,
          error,
        }),
    },
  };
}

/** Slots and circuits on the flow-control table; the default concurrency per tenant (0: none). */
function flowControlOf(client: DynamoDBClient, config: FlowControlConfig): FlowControl {
  const tableName = config.table;
  return {
    slots: new DynamoDbSlotStore({ client, tableName }),
    circuits: new DynamoDbCircuitStore({ client, tableName }),
    endedReleases: new EndedReleases(),
    ...(config.concurrencyPerTenant > 0 && {
      defaultConcurrencyPerTenant: config.concurrencyPerTenant,
    }),
  };
}
