import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizeConnect, UNAUTHORIZED } from '../auth/authorize';
import { type AuthorizerHandlerDeps, authorizerHandlerDeps } from './frontDoorDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { MetricUnit } from './telemetry';

/**
 * The `$connect` JWT authorizer: `Allow` on the exact `methodArn` with the
 * flat identity context, `Deny` (403) for a tenant outside the allow-list,
 * `Unauthorized` (401) for anything else. Never logs the token.
 */
export function createAuthorizerHandler(deps: Lazy<AuthorizerHandlerDeps> = authorizerHandlerDeps) {
  const resolve = resolvedOnce(deps);
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const started = Date.now();
    const { verify, telemetry } = resolve();
    const outcome = await authorizeConnect(event, verify);
    telemetry.logger.info('connect authorized', {
      connection_id: event.requestContext.connectionId,
      status: outcome.effect,
      duration_ms: Date.now() - started,
      ...(outcome.effect === 'Allow'
        ? { user_id: outcome.userId, tenant_id: outcome.tenantId }
        : { reason: outcome.reason }),
    });
    const metric = outcome.effect === 'Allow' ? 'ConnectAllowed' : 'ConnectRefused';
    telemetry.metrics.addMetric(metric, MetricUnit.Count, 1);
    telemetry.metrics.publishStoredMetrics();
    if (outcome.effect === 'Unauthorized') throw new Error(UNAUTHORIZED);
    return outcome.result;
  };
}

/** The Lambda entry point. */
export const handler = createAuthorizerHandler();
