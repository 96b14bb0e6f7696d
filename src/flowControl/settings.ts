/**
 * The flow-control settings of a deployment (`docs/flow-control.md`):
 * message rates at the router and the default concurrency of workflows.
 * The CDK stages and the local stack set them; `src/lambdas/config.ts`
 * reads them from the environment.
 */
export interface FlowControlSettings {
  /** Messages per second per tenant, all actions together; 0: no limit. */
  readonly tenantMessagesPerSecond: number;
  /** Messages per second per connection; 0: no limit. */
  readonly connectionMessagesPerSecond: number;
  /** Async workflow starts per second per tenant; 0: no limit. */
  readonly tenantStartsPerSecond: number;
  /** Runs with work in progress at once, per tenant, of every workflow without its own `concurrency`; 0: none. */
  readonly concurrencyPerTenant: number;
}

/** The defaults: what a function gets when its stage sets nothing. */
export const DEFAULT_FLOW_CONTROL: FlowControlSettings = {
  tenantMessagesPerSecond: 1_000,
  connectionMessagesPerSecond: 100,
  tenantStartsPerSecond: 100,
  concurrencyPerTenant: 50,
};

/** The environment variable of each setting (`infra/functionEnvironment.ts` sets them). */
export const FLOW_CONTROL_ENV: Readonly<Record<keyof FlowControlSettings, string>> = {
  tenantMessagesPerSecond: 'RATE_LIMIT_TENANT_PER_SECOND',
  connectionMessagesPerSecond: 'RATE_LIMIT_CONNECTION_PER_SECOND',
  tenantStartsPerSecond: 'RATE_LIMIT_TENANT_STARTS_PER_SECOND',
  concurrencyPerTenant: 'CONCURRENCY_PER_TENANT',
};

/** Every setting as its environment variable, for a function's environment. */
export function flowControlEnvironment(settings: FlowControlSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, variable] of Object.entries(FLOW_CONTROL_ENV)) {
    env[variable] = String(settings[name as keyof FlowControlSettings]);
  }
  return env;
}
