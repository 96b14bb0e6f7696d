import type { RateLimit, RateLimiter, RateVerdict } from './rateLimiter';

/** The router's rate limits, per second (0: none). */
export interface MessageLimits {
  readonly tenantPerSecond: number;
  readonly connectionPerSecond: number;
  readonly startsPerSecond: number;
}

/**
 * What a message spends of its tenant's limit: an action that reads or
 * writes the request log (`status`, `subscribe`, `unsubscribe`, `cancel`,
 * `signal`, an async start) costs {@link LOG_ACTION_COST}; the rest
 * (`ping`, sync workflows, a message that cannot be read) cost 1.
 */
export type MessageKind = 'light' | 'log';

/** Tokens of the tenant limit a log action spends: a log read or write costs the router and the table several times what an inline echo does. */
export const LOG_ACTION_COST = 5;

/** Whether a message (and an async start) may pass; what the router asks. */
export interface MessageAdmission {
  /** Every message: its connection's limit (one token), then its tenant's (its kind's cost). */
  message(
    who: { readonly tenantId: string; readonly connectionId: string },
    kind: MessageKind,
  ): Promise<RateVerdict>;
  /** An async workflow start, after its message passed: its tenant's start limit. */
  start(who: { readonly tenantId: string }): Promise<RateVerdict>;
}

const ADMITTED: RateVerdict = { kind: 'admitted' };

/**
 * The router's admission: per connection first (a connection over its limit
 * spends none of its tenant's messages), then per tenant; async starts have
 * a limit of their own, since each one costs writes and runs where a
 * `status` or `ping` costs a read or nothing.
 *
 * The tenant and start limits go through `shared`, a limiter on the
 * `RateLimits` table, so they hold across every router instance. The
 * connection limit goes through `perInstance`, a limiter in memory: a
 * connection limit on the table cost every active connection a claim per
 * window, which made echo p99 at 1,000/s over 50 connections 5–10× slower
 * with limits on than off (`docs/flow-control.md`). So a connection's limit
 * holds per router instance; the tenant's limit bounds it across them.
 *
 * @example
 * const admission = createMessageAdmission(
 *   { shared: new RateLimiter({ store, clock: Date.now }), perInstance: new RateLimiter({ store: new InMemoryRateWindows(), clock: Date.now }) },
 *   limits,
 * );
 */
export function createMessageAdmission(
  limiters: { readonly shared: RateLimiter; readonly perInstance: RateLimiter },
  limits: MessageLimits,
): MessageAdmission {
  const connectionLimit = (connectionId: string): RateLimit[] =>
    limits.connectionPerSecond > 0
      ? [
          {
            key: `connection#${connectionId}`,
            limit: limits.connectionPerSecond,
            scope: 'connection',
          },
        ]
      : [];
  const tenantLimit = (tenantId: string, kind: MessageKind): RateLimit[] =>
    limits.tenantPerSecond > 0
      ? [
          {
            key: `tenant#${tenantId}`,
            limit: limits.tenantPerSecond,
            scope: 'tenant',
            cost: kind === 'log' ? LOG_ACTION_COST : 1,
          },
        ]
      : [];
  return {
    message: async ({ tenantId, connectionId }, kind) => {
      const own = await admitAll(limiters.perInstance, connectionLimit(connectionId));
      return own.kind === 'limited' ? own : admitAll(limiters.shared, tenantLimit(tenantId, kind));
    },
    start: ({ tenantId }) =>
      admitAll(
        limiters.shared,
        limits.startsPerSecond > 0
          ? [{ key: `starts#${tenantId}`, limit: limits.startsPerSecond, scope: 'starts' }]
          : [],
      ),
  };
}

/** Admitted at once when there is no limit to check. */
function admitAll(limiter: RateLimiter, checks: readonly RateLimit[]): Promise<RateVerdict> {
  return checks.length > 0 ? limiter.admit(checks) : Promise.resolve(ADMITTED);
}
