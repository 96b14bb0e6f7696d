import { hashHex } from './hash';
import type { RequestState } from './replay';

/**
 * How many runs of a workflow may have work in progress at once, per key.
 * Runs over the limit wait in line (first accepted, first served) and start
 * when a slot frees. A run holds its slot while it has a step to run and
 * gives it back when it waits (for a signal, a timer, a child or a retry)
 * or ends. Keys are always within one tenant.
 *
 * @example
 * defineWorkflow({ …, concurrency: { limit: 2, key: 'tenant' } });
 * defineWorkflow({ …, concurrency: { limit: 1, key: (input) => input.accountId } });
 */
export interface ConcurrencyOptions<TInput = unknown> {
  /** Runs per key with work in progress at once (1–1,000). */
  readonly limit: number;
  /** `'tenant'` (default): per tenant; a function: per tenant and the key it gives for the input. */
  readonly key?: 'tenant' | ((input: TInput) => string);
}

/** A workflow's concurrency rule once checked. @internal */
export interface ConcurrencyRule {
  readonly limit: number;
  readonly key: 'tenant' | ((input: unknown) => string);
}

/** The largest limit: every holder of a key is kept in one item (DynamoDB's 400 KB). */
export const MAX_CONCURRENCY_LIMIT = 1_000;

/** Checks a workflow's `concurrency` option; throws a `RangeError` naming what is wrong. @internal */
export function normalizeConcurrency(
  action: string,
  options: ConcurrencyOptions<never> | undefined,
): ConcurrencyRule | undefined {
  if (options === undefined) return undefined;
  checkLimit(`Workflow ${action}: concurrency.limit`, options.limit);
  const key = options.key ?? 'tenant';
  if (key !== 'tenant' && typeof key !== 'function') {
    throw new RangeError(`Workflow ${action}: concurrency.key must be 'tenant' or a function`);
  }
  return { limit: options.limit, key: key as ConcurrencyRule['key'] };
}

/** Throws unless `limit` is a whole number from 1 to {@link MAX_CONCURRENCY_LIMIT}. @internal */
export function checkLimit(what: string, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENCY_LIMIT) {
    throw new RangeError(`${what} must be a whole number from 1 to ${MAX_CONCURRENCY_LIMIT}`);
  }
}

/** The slot a request's runs need: its key and how many slots the key has. @internal */
export interface SlotDemand {
  readonly key: string;
  readonly limit: number;
}

/**
 * The slot key of a request: `<tenantId>#<action>` for a per-tenant rule
 * (the workflow's own, or the default every workflow without one gets),
 * `<tenantId>#<action>#<key>` for a key of the input. Tenant ids hold no
 * `#` and actions none either, so keys of different tenants or workflows
 * never meet. Undefined when no limit applies.
 * @internal
 */
export function slotDemandOf(
  state: Pick<RequestState, 'tenantId' | 'action' | 'input' | 'workflow'>,
  defaultPerTenant: number | undefined,
): SlotDemand | undefined {
  const rule: ConcurrencyRule | undefined =
    state.workflow.concurrency ??
    (defaultPerTenant !== undefined ? { limit: defaultPerTenant, key: 'tenant' } : undefined);
  if (!rule) return undefined;
  const scope = `${state.tenantId}#${state.action}`;
  if (rule.key === 'tenant') return { key: scope, limit: rule.limit };
  return { key: `${scope}#${boundedKey(String(rule.key(state.input)))}`, limit: rule.limit };
}

/** A key of the input longer than this is stored as a digest (DynamoDB keys are at most 2 KB). */
const MAX_INPUT_KEY_LENGTH = 256;

function boundedKey(key: string): string {
  if (key.length <= MAX_INPUT_KEY_LENGTH) return key;
  return `~${hashHex(key)}${hashHex(`${key.length}:${key}`)}`;
}
