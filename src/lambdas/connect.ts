import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { connectFromEvent } from '../connections/connectionLifecycle';
import { readFrontDoorConfig } from './config';
import { type ConnectionDeps, connectionDeps } from './frontDoorDeps';
import {
  createFrontDoorTelemetry,
  type FrontDoorTelemetry,
  MetricUnit,
} from './frontDoorTelemetry';
import type { WebSocketEvent } from './webSocketEvent';

/** The `$connect` route: stores the record of an authorized connection (401 without an identity). */
export function createConnectHandler(deps?: ConnectionDeps, telemetry?: FrontDoorTelemetry) {
  const { logger, metrics } = telemetry ?? createFrontDoorTelemetry('connect');
  let resolved = deps;
  return async (event: WebSocketEvent): Promise<APIGatewayProxyResultV2> => {
    const started = Date.now();
    resolved ??= connectionDeps(readFrontDoorConfig());
    const outcome = await connectFromEvent(
      resolved.connections,
      event.requestContext,
      resolved.clock(),
    );
    const fields = { ...outcome.logFields, duration_ms: Date.now() - started };
    if (outcome.statusCode === 200) logger.info('connected', fields);
    else logger.error('connect without authorizer identity', fields);
    metrics.addMetric(
      outcome.statusCode === 200 ? 'Connections' : 'ConnectRefused',
      MetricUnit.Count,
      1,
    );
    metrics.publishStoredMetrics();
    return { statusCode: outcome.statusCode };
  };
}

/** The Lambda entry point. */
export const handler = createConnectHandler();
