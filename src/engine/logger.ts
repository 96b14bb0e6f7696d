/**
 * The logging port of the engine. Powertools' `Logger` fits it as is
 * (`logger.info(message, attributes)`); tests pass nothing and get silence.
 */
export interface EngineLogger {
  debug(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  info(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  warn(message: string, attributes?: Readonly<Record<string, unknown>>): void;
  error(message: string, attributes?: Readonly<Record<string, unknown>>): void;
}

const ignore = (): void => {};

/**
 * `logger` with `attributes` on every line (a call's own attributes win).
 *
 * @example
 * const log = withAttributes(logger, { tenant_id: 'acme', request_key: 'acme#r1' });
 */
export function withAttributes(
  logger: EngineLogger,
  attributes: Readonly<Record<string, unknown>>,
): EngineLogger {
  const merged = (extra?: Readonly<Record<string, unknown>>) => ({ ...attributes, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merged(extra)),
    info: (message, extra) => logger.info(message, merged(extra)),
    warn: (message, extra) => logger.warn(message, merged(extra)),
    error: (message, extra) => logger.error(message, merged(extra)),
  };
}

/** A logger that drops everything, the default when none is injected. */
export const silentLogger: EngineLogger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};
