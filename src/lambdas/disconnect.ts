import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { closeConnection } from '../connections/connectionLifecycle';
import { type ConnectionHandlerDeps, connectionHandlerDeps } from './frontDoorDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { MetricUnit } from './telemetry';
import type { WebSocketEvent } from './webSocketEvent';

/**
 * The `$disconnect` route: deletes the connection record and its
 * subscriptions. API Gateway delivers it best-effort, so the frame poster's
 * 410 path and the 24 h TTL clean up whatever it misses.
 */
export function createDisconnectHandler(
  deps: Lazy<ConnectionHandlerDeps> = connectionHandlerDeps('disconnect'),
) {
  const resolve = resolvedOnce(deps);
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    const { connections, subscriptions, telemetry } = resolve();
    const context = event.requestContext;
    const removed = await closeConnection(connections, subscriptions, context.connectionId);
    telemetry.logger.info('disconnected', {
      connection_id: context.connectionId,
      user_id: context.authorizer?.userId,
      tenant_id: context.authorizer?.tenantId,
      close_code: context.disconnectStatusCode,
      subscriptions_removed: removed,
      status: 200,
      duration_ms: Date.now() - started,
    });
    telemetry.metrics.addMetric('Disconnections', MetricUnit.Count, 1);
    telemetry.metrics.publishStoredMetrics();
    return { statusCode: 200 };
  };
}

/** The Lambda entry point. */
export const handler = createDisconnectHandler();
