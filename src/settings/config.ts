import type { KeySource } from '../auth/tokenVerifier';
import { ENV } from './environment';
import {
  type FlowControlConfig,
  type RateLimitConfig,
  readFlowControlConfig,
  readRateLimitConfig,
} from './flowControlConfig';

/**
 * Settings of every Lambda — the front door (authorizer, connect, disconnect,
 * router) and the back end (processor, projector, runner) — read from the
 * environment once per container. A missing or bad
 * variable fails the cold start with a message naming it. Variable names
 * are `ENV` in `environment.ts`, which infra and the local stack set.
 */

/** Raised at cold start when a required variable is missing. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
  constructor(readonly variable: string) {
    super(
      `Environment variable ${variable} is not set. In AWS the CDK app (infra/) sets it on the function; locally npm start sets it. Set it, or deploy with the StreamerEngine construct.`,
    );
  }
}

/** A variable is set but cannot be used. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Environment variable ${variable} ${problem}`);
  }
}

/** Settings of the connect, disconnect and router functions. */
export interface FrontDoorConfig {
  /** REQUESTS_TABLE: the event log. */
  readonly requestsTable: string;
  /** CONNECTIONS_TABLE. */
  readonly connectionsTable: string;
  /** SUBSCRIPTIONS_TABLE. */
  readonly subscriptionsTable: string;
  /** REQUEST_VIEW_TABLE: what the router's `list` reads. Optional: without it `list` fails. */
  readonly requestViewTable?: string;
  /**
   * WEBSOCKET_MANAGEMENT_ENDPOINT: where the router posts catch-up frames.
   * Required by the router; connect/disconnect derive it from the event.
   */
  readonly managementEndpoint?: string;
  /** The router's message rate limits (`RATE_LIMITS_TABLE` and the limits); absent: none. */
  readonly rateLimits?: RateLimitConfig;
}

/** Settings of the authorizer. */
export interface AuthorizerConfig {
  /** JWT_PUBLIC_KEY (PEM) or JWKS_URL: exactly one. */
  readonly keys: KeySource;
  /** JWT_ISSUER. */
  readonly issuer?: string;
  /** JWT_AUDIENCE, comma-separated for several. */
  readonly audience?: readonly string[];
  /** JWT_ALLOWED_TENANTS, comma-separated; unset lets every tenant in. */
  readonly allowedTenants?: readonly string[];
  /** JWT_CLOCK_TOLERANCE_SECONDS, 0–300. Default 5. */
  readonly clockToleranceSec: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new MissingSettingError(name);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function list(env: Env, name: string): string[] | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0)
    throw new InvalidSettingError(name, 'lists nothing: unset it or give comma-separated values');
  return items;
}

/**
 * Reads the connect / disconnect / router settings.
 *
 * @example
 * const config = readFrontDoorConfig(); // throws MissingSettingError('CONNECTIONS_TABLE') when unset
 */
export function readFrontDoorConfig(
  env: Env = process.env,
  options: { requireManagementEndpoint?: boolean } = {},
): FrontDoorConfig {
  const managementEndpoint = options.requireManagementEndpoint
    ? required(env, ENV.managementEndpoint)
    : optional(env, ENV.managementEndpoint);
  if (managementEndpoint !== undefined && !URL.canParse(managementEndpoint)) {
    throw new InvalidSettingError(ENV.managementEndpoint, `is not a URL: ${managementEndpoint}`);
  }
  const rateLimits = readRateLimitConfig(env);
  const requestViewTable = optional(env, ENV.requestViewTable);
  return {
    requestsTable: required(env, ENV.requestsTable),
    connectionsTable: required(env, ENV.connectionsTable),
    subscriptionsTable: required(env, ENV.subscriptionsTable),
    ...(requestViewTable !== undefined && { requestViewTable }),
    ...(managementEndpoint !== undefined && { managementEndpoint }),
    ...(rateLimits && { rateLimits }),
  };
}

/**
 * Reads the authorizer settings.
 *
 * @example
 * const config = readAuthorizerConfig(); // throws when neither JWT_PUBLIC_KEY nor JWKS_URL is set
 */
export function readAuthorizerConfig(env: Env = process.env): AuthorizerConfig {
  const publicKeyPem = optional(env, ENV.jwtPublicKey);
  const jwksUrl = optional(env, ENV.jwksUrl);
  if (publicKeyPem && jwksUrl) {
    throw new InvalidSettingError(
      ENV.jwksUrl,
      'is set together with JWT_PUBLIC_KEY: set only one of the two',
    );
  }
  if (!publicKeyPem && !jwksUrl)
    throw new MissingSettingError(`${ENV.jwtPublicKey} (or ${ENV.jwksUrl})`);
  if (jwksUrl && !URL.canParse(jwksUrl))
    throw new InvalidSettingError(ENV.jwksUrl, `is not a URL: ${jwksUrl}`);
  if (publicKeyPem && !publicKeyPem.includes('BEGIN PUBLIC KEY')) {
    throw new InvalidSettingError(
      ENV.jwtPublicKey,
      'is not a PEM public key (-----BEGIN PUBLIC KEY----- …)',
    );
  }
  const toleranceText = optional(env, ENV.jwtClockTolerance);
  const clockToleranceSec = toleranceText === undefined ? 5 : Number(toleranceText);
  if (!Number.isFinite(clockToleranceSec) || clockToleranceSec < 0 || clockToleranceSec > 300) {
    throw new InvalidSettingError(
      ENV.jwtClockTolerance,
      `must be a number of seconds from 0 to 300, got ${toleranceText}`,
    );
  }
  const issuer = optional(env, ENV.jwtIssuer);
  const audience = list(env, ENV.jwtAudience);
  const allowedTenants = list(env, ENV.jwtAllowedTenants);
  return {
    keys: publicKeyPem ? { publicKeyPem } : { jwksUrl: jwksUrl as string },
    ...(issuer !== undefined && { issuer }),
    ...(audience !== undefined && { audience }),
    ...(allowedTenants !== undefined && { allowedTenants }),
    clockToleranceSec,
  };
}

/** Settings of the projector and the runner, read once from the environment. */
export interface BackendConfig {
  readonly requestsTable: string;
  readonly requestViewTable: string;
  readonly connectionsTable: string;
  readonly subscriptionsTable: string;
  readonly deadLetterQueueUrl: string;
  readonly wakeUpQueueUrl: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`, or the local gateway's URL. */
  readonly managementEndpoint: string;
  /** Concurrency slots and dependency circuits (`FLOW_CONTROL_TABLE`, `CONCURRENCY_PER_TENANT`); absent: none. */
  readonly flowControl?: FlowControlConfig;
}

/** Settings of the processor, which only dispatches wake-ups. */
export interface DispatcherConfig {
  readonly wakeUpQueueUrl: string;
}

/** Reads the processor's settings (the wake-up queue), failing fast when it is missing. */
export function readDispatcherConfig(env: Env = process.env): DispatcherConfig {
  return { wakeUpQueueUrl: required(env, ENV.wakeUpQueueUrl) };
}

/** Reads the settings of the projector and the runner, failing fast with the name of any missing variable. */
export function readBackendConfig(env: Env = process.env): BackendConfig {
  const flowControl = readFlowControlConfig(env);
  return {
    requestsTable: required(env, ENV.requestsTable),
    requestViewTable: required(env, ENV.requestViewTable),
    connectionsTable: required(env, ENV.connectionsTable),
    subscriptionsTable: required(env, ENV.subscriptionsTable),
    deadLetterQueueUrl: required(env, ENV.deadLetterQueueUrl),
    wakeUpQueueUrl: required(env, ENV.wakeUpQueueUrl),
    managementEndpoint: required(env, ENV.managementEndpoint),
    ...(flowControl && { flowControl }),
  };
}
