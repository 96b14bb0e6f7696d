import type { SettingName } from './environment';

/**
 * The flow-control settings of a deployment (`docs/flow-control.md`):
 * message rates at the router and the default concurrency of workflows.
 * The CDK stages, the Pulumi component and the local stack set them;
 * `flowControlConfig.ts` reads them from the environment.
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

/** The settings' names in `ENV` (each setting is named as its variable's key). */
export const FLOW_CONTROL_SETTINGS = [
  'tenantMessagesPerSecond',
  'connectionMessagesPerSecond',
  'tenantStartsPerSecond',
  'concurrencyPerTenant',
] as const satisfies readonly (keyof FlowControlSettings & SettingName)[];

/**
 * Every setting as the value of its variable, keyed like `ENV` (pass the
 * result through `asEnvironment` for the variables' own names).
 */
export function flowControlVariables(
  settings: FlowControlSettings,
): Partial<Record<SettingName, string>> {
  return Object.fromEntries(FLOW_CONTROL_SETTINGS.map((name) => [name, String(settings[name])]));
}
