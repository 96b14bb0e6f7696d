import type { Logger } from '@aws-lambda-powertools/logger';
import type { EngineLogger } from '../engine';

/**
 * Adapts a Powertools `Logger` to the engine's logging port. Every line
 * carries `tenant_id` (null when it is about no tenant, e.g. a refused
 * token), so per-tenant queries and Contributor Insights rules see them all.
 */
export function engineLogger(logger: Logger): EngineLogger {
  const fields = (attributes?: Readonly<Record<string, unknown>>) => ({
    ...attributes,
    tenant_id: attributes?.tenant_id ?? null,
  });
  return {
    debug: (message, attributes) => logger.debug(message, fields(attributes)),
    info: (message, attributes) => logger.info(message, fields(attributes)),
    warn: (message, attributes) => logger.warn(message, fields(attributes)),
    error: (message, attributes) => logger.error(message, fields(attributes)),
  };
}
