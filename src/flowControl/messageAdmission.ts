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
 * The router's admission over one rate limiter: per connection first (a
 * connection over its limit spends none of its tenant's messages), then per
 * tenant; async starts have a limit of their own, since each one costs
 * writes and runs where a `status` or `ping` costs a read or nothing.
 *
 * @example
 * const admission = createMessageAdmission(new RateLimiter({ store, clock: Date.now }), limits);
 */
export function createMessageAdmission(
  limiter: RateLimiter,
  limits: MessageLimits,
): MessageAdmission {
  const perMessage = (tenantId: string, connectionId: string, kind: MessageKind): RateLimit[] => [
    ...(limits.connectionPerSecond > 0
      ? [
          {
            key: `connection#${connectionId}`,
            limit: limits.connectionPerSecond,
            scope: 'connection' as const,
          },
        ]
      : []),
    ...(limits.tenantPerSecond > 0
      ? [
          {
            key: `tenant#${tenantId}`,
            limit: limits.tenantPerSecond,
            scope: 'tenant' as const,
            cost: kind === 'log' ? LOG_ACTION_COST : 1,
          },
        ]
      : []),
  ];
  return {
    message: ({ tenantId, connectionId }, kind) => {
      const checks = perMessage(tenantId, connectionId, kind);
      return checks.length > 0 ? limiter.admit(checks) : Promise.resolve(ADMITTED);
    },
    start: ({ tenantId }) =>
      limits.startsPerSecond > 0
        ? limiter.admit([
            { key: `starts#${tenantId}`, limit: limits.startsPerSecond, scope: 'starts' },
          ])
        : Promise.resolve(ADMITTED),
  };
}
