import type { RateLimit, RateLimiter, RateVerdict } from './rateLimiter';

/** The router's rate limits, per second (0: none). */
export interface MessageLimits {
  readonly tenantPerSecond: number;
  readonly connectionPerSecond: number;
  readonly startsPerSecond: number;
}

/** Whether a message (and an async start) may pass; what the router asks. */
export interface MessageAdmission {
  /** Every message: its connection's limit, then its tenant's. */
  message(who: { readonly tenantId: string; readonly connectionId: string }): Promise<RateVerdict>;
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
  const perMessage = (tenantId: string, connectionId: string): RateLimit[] => [
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
      ? [{ key: `tenant#${tenantId}`, limit: limits.tenantPerSecond, scope: 'tenant' as const }]
      : []),
  ];
  return {
    message: ({ tenantId, connectionId }) => {
      const checks = perMessage(tenantId, connectionId);
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
