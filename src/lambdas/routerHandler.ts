import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { routeEvent } from '../router/routeEvent';
import type { RouterHandlerDeps } from './frontDoorDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { type MetricsSink, MetricUnit } from './telemetry';
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
    countMessage(telemetry.metrics, routed.ok, routed.logFields);
    return { statusCode: 200, body: routed.body };
  };
}

/**
 * One message's figures. The tenant goes in as a property of the EMF blob,
 * not a dimension: no metric per tenant (Contributor Insights ranks them).
 */
function countMessage(
  metrics: MetricsSink,
  ok: boolean,
  logFields: Readonly<Record<string, unknown>>,
): void {
  metrics.addMetric(ok ? 'MessagesRouted' : 'MessagesRejected', MetricUnit.Count, 1);
  if (logFields.status === 'RATE_LIMITED')
    metrics.addMetric('MessagesThrottled', MetricUnit.Count, 1);
  metrics.addMetadata?.('tenant_id', String(logFields.tenant_id ?? ''));
  metrics.publishStoredMetrics();
}
