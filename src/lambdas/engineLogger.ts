import type { Logger } from '@aws-lambda-powertools/logger';
import type { EngineLogger } from '../engine';

/** Adapts a Powertools `Logger` to the engine's logging port. */
export function engineLogger(logger: Logger): EngineLogger {
  return {
    debug: (message, attributes) => logger.debug(message, { ...attributes }),
    info: (message, attributes) => logger.info(message, { ...attributes }),
    warn: (message, attributes) => logger.warn(message, { ...attributes }),
    error: (message, attributes) => logger.error(message, { ...attributes }),
  };
}
