import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { routeEvent } from '../router/routeEvent';
import type { RouterDeps } from '../router/router';
import { readFrontDoorConfig } from './config';
import { routerDeps } from './frontDoorDeps';
import {
  createFrontDoorTelemetry,
  type FrontDoorTelemetry,
  MetricUnit,
} from './frontDoorTelemetry';
import type { WebSocketEvent } from './webSocketEvent';

/**
 * The `$default` route: parse, route, map. The reply frame is the route
 * response's `body` (API Gateway two-way integration). `deps` and
 * `telemetry` are test seams; by default both come from the environment.
 */
export function createRouterHandler(
  registry: WorkflowRegistry,
  deps?: RouterDeps,
  telemetry?: FrontDoorTelemetry,
) {
  const { logger, metrics } = telemetry ?? createFrontDoorTelemetry('router');
  const config = () => readFrontDoorConfig(process.env, { requireManagementEndpoint: true });
  let resolved = deps;
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    resolved ??= routerDeps(registry, config(), logger);
    const routed = await routeEvent(resolved, event);
    const fields = { ...routed.logFields, duration_ms: Date.now() - started };
    if (routed.internal) logger.error('message failed', { ...fields, error: routed.cause });
    else logger.info('message routed', fields);
    metrics.addMetric(routed.ok ? 'MessagesRouted' : 'MessagesRejected', MetricUnit.Count, 1);
    if (routed.logFields.status === 'RATE_LIMITED')
      metrics.addMetric('MessagesThrottled', MetricUnit.Count, 1);
    // A property of the EMF blob, not a dimension: no metric per tenant.
    metrics.addMetadata?.('tenant_id', String(routed.logFields.tenant_id ?? ''));
    metrics.publishStoredMetrics();
    return { statusCode: 200, body: routed.body };
  };
}
