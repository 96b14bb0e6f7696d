import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authorizeConnect, UNAUTHORIZED } from '../auth/authorize';
import type { TokenVerifier } from '../auth/tokenVerifier';
import { readAuthorizerConfig } from './config';
import { authorizerDeps } from './frontDoorDeps';
import {
  createFrontDoorTelemetry,
  type FrontDoorTelemetry,
  MetricUnit,
} from './frontDoorTelemetry';

/**
 * The `$connect` JWT authorizer: `Allow` on the exact `methodArn` with the
 * flat identity context, `Deny` (403) for a tenant outside the allow-list,
 * `Unauthorized` (401) for anything else. Never logs the token.
 */
export function createAuthorizerHandler(
  deps?: { verify: TokenVerifier },
  telemetry?: FrontDoorTelemetry,
) {
  const { logger, metrics } = telemetry ?? createFrontDoorTelemetry('authorizer');
  let resolved = deps;
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const started = Date.now();
    resolved ??= authorizerDeps(readAuthorizerConfig());
    const outcome = await authorizeConnect(event, resolved.verify);
    logger.info('connect authorized', {
      connection_id: event.requestContext.connectionId,
      status: outcome.effect,
      duration_ms: Date.now() - started,
      ...(outcome.effect === 'Allow'
        ? { user_id: outcome.userId, tenant_id: outcome.tenantId }
        : { tenant_id: null, reason: outcome.reason }),
    });
    metrics.addMetric(
      outcome.effect === 'Allow' ? 'ConnectAllowed' : 'ConnectRefused',
      MetricUnit.Count,
      1,
    );
    metrics.publishStoredMetrics();
    if (outcome.effect === 'Unauthorized') throw new Error(UNAUTHORIZED);
    return outcome.result;
  };
}

/** The Lambda entry point. */
export const handler = createAuthorizerHandler();
