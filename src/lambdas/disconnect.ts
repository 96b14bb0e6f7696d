import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { closeConnection } from '../connections/connectionLifecycle';
import { readFrontDoorConfig } from './config';
import { type ConnectionDeps, connectionDeps } from './frontDoorDeps';
import {
  createFrontDoorTelemetry,
  type FrontDoorTelemetry,
  MetricUnit,
} from './frontDoorTelemetry';
import type { WebSocketEvent } from './webSocketEvent';

/**
 * The `$disconnect` route: deletes the connection record and its
 * subscriptions. API Gateway delivers it best-effort, so the frame poster's
 * 410 path and the 24 h TTL clean up whatever it misses.
 */
export function createDisconnectHandler(deps?: ConnectionDeps, telemetry?: FrontDoorTelemetry) {
  const { logger, metrics } = telemetry ?? createFrontDoorTelemetry('disconnect');
  let resolved = deps;
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    resolved ??= connectionDeps(readFrontDoorConfig());
    const context = event.requestContext;
    const removed = await closeConnection(
      resolved.connections,
      resolved.subscriptions,
      context.connectionId,
    );
    logger.info('disconnected', {
      connection_id: context.connectionId,
      user_id: context.authorizer?.userId,
      tenant_id: context.authorizer?.tenantId,
      close_code: context.disconnectStatusCode,
      subscriptions_removed: removed,
      status: 200,
      duration_ms: Date.now() - started,
    });
    metrics.addMetric('Disconnections', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return { statusCode: 200 };
  };
}

/** The Lambda entry point. */
export const handler = createDisconnectHandler();
