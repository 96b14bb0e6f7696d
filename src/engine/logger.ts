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

/** A logger that drops everything, the default when none is injected. */
export const silentLogger: EngineLogger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};
