import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { connectFromEvent } from '../connections/connectionLifecycle';
import { type ConnectionHandlerDeps, connectionHandlerDeps } from './frontDoorDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { MetricUnit } from './telemetry';
import type { WebSocketEvent } from './webSocketEvent';

/** The `$connect` route: stores the record of an authorized connection (401 without an identity). */
export function createConnectHandler(
  deps: Lazy<ConnectionHandlerDeps> = connectionHandlerDeps('connect'),
) {
  const resolve = resolvedOnce(deps);
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    const { connections, clock, telemetry } = resolve();
    const outcome = await connectFromEvent(connections, event.requestContext, clock());
    const fields = { ...outcome.logFields, duration_ms: Date.now() - started };
    if (outcome.statusCode === 200) telemetry.logger.info('connected', fields);
    else telemetry.logger.error('connect without authorizer identity', fields);
    const metric = outcome.statusCode === 200 ? 'Connections' : 'ConnectRefused';
    telemetry.metrics.addMetric(metric, MetricUnit.Count, 1);
    telemetry.metrics.publishStoredMetrics();
    return { statusCode: outcome.statusCode };
  };
}

/** The Lambda entry point. */
export const handler = createConnectHandler();
