import { ENV } from './environment';
import { DEFAULT_FLOW_CONTROL, type FlowControlSettings } from './flowControl';

type Env = Readonly<Record<string, string | undefined>>;

/** The router's rate limits: on when `RATE_LIMITS_TABLE` is set. */
export interface RateLimitConfig {
  /** RATE_LIMITS_TABLE. */
  readonly table: string;
  /** RATE_LIMIT_TENANT_PER_SECOND (default 1,000; 0: none). */
  readonly tenantPerSecond: number;
  /** RATE_LIMIT_CONNECTION_PER_SECOND (default 100; 0: none). */
  readonly connectionPerSecond: number;
  /** RATE_LIMIT_TENANT_STARTS_PER_SECOND (default 100; 0: none). */
  readonly startsPerSecond: number;
}

/** The back end's flow control: on when `FLOW_CONTROL_TABLE` is set. */
export interface FlowControlConfig {
  /** FLOW_CONTROL_TABLE: concurrency slots and dependency circuits. */
  readonly table: string;
  /** CONCURRENCY_PER_TENANT (default 50; 0: no default limit). */
  readonly concurrencyPerTenant: number;
}

/** The most runs per tenant a default limit may allow (a slot record holds every holder). */
const MAX_CONCURRENCY_PER_TENANT = 1_000;

/** A flow-control variable that is set but is no whole number ≥ 0. */
export class InvalidFlowControlSettingError extends Error {
  override readonly name = 'InvalidFlowControlSettingError';
  constructor(
    readonly variable: string,
    readonly value: string,
  ) {
    super(
      `Environment variable ${variable} must be a whole number >= 0 (0 turns the limit off), got ${JSON.stringify(value)}: fix the stage's flowControl settings (infra/stages.ts) or the local stack's options`,
    );
  }
}

function setting(env: Env, name: keyof FlowControlSettings): number {
  const variable = ENV[name];
  const text = env[variable]?.trim();
  if (!text) return DEFAULT_FLOW_CONTROL[name];
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidFlowControlSettingError(variable, text);
  return value;
}

/** The router's rate limits, or undefined when `RATE_LIMITS_TABLE` is not set. */
export function readRateLimitConfig(env: Env): RateLimitConfig | undefined {
  const table = env[ENV.rateLimitsTable]?.trim();
  if (!table) return undefined;
  return {
    table,
    tenantPerSecond: setting(env, 'tenantMessagesPerSecond'),
    connectionPerSecond: setting(env, 'connectionMessagesPerSecond'),
    startsPerSecond: setting(env, 'tenantStartsPerSecond'),
  };
}

/** The back end's flow control, or undefined when `FLOW_CONTROL_TABLE` is not set. */
export function readFlowControlConfig(env: Env): FlowControlConfig | undefined {
  const table = env[ENV.flowControlTable]?.trim();
  if (!table) return undefined;
  const concurrencyPerTenant = setting(env, 'concurrencyPerTenant');
  if (concurrencyPerTenant > MAX_CONCURRENCY_PER_TENANT) {
    throw new InvalidFlowControlSettingError(
      ENV.concurrencyPerTenant,
      String(concurrencyPerTenant),
    );
  }
  return { table, concurrencyPerTenant };
}
