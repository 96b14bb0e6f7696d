import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { routeEvent } from '../router/routeEvent';
import type { RouterHandlerDeps } from './frontDoorDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { MetricUnit } from './telemetry';
import type { WebSocketEvent } from './webSocketEvent';

export type { RouterHandlerDeps } from './frontDoorDeps';
export { routerHandlerDeps } from './frontDoorDeps';

/**
 * The `$default` route: parse, route, map. The reply frame is the route
 * response's `body` (API Gateway two-way integration).
 *
 * @example
 * export const handler = createRouterHandler(routerHandlerDeps(createWorkflowRegistry(workflows)));
 */
export function createRouterHandler(deps: Lazy<RouterHandlerDeps>) {
  const resolve = resolvedOnce(deps);
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    const { router, telemetry } = resolve();
    const routed = await routeEvent(router, event);
    const fields = { ...routed.logFields, duration_ms: Date.now() - started };
    if (routed.internal)
      telemetry.logger.error('message failed', { ...fields, error: routed.cause });
    else telemetry.logger.info('message routed', fields);
    const metric = routed.ok ? 'MessagesRouted' : 'MessagesRejected';
    telemetry.metrics.addMetric(metric, MetricUnit.Count, 1);
    telemetry.metrics.publishStoredMetrics();
    return { statusCode: 200, body: routed.body };
  };
}
