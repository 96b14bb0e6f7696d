/** How the client spaces reconnection attempts. */
export interface ReconnectPolicy {
  /** Ceiling of the first retry's delay, ms. Default 500. */
  readonly minDelayMs?: number;
  /** Largest delay between attempts, ms. Default 30 000. */
  readonly maxDelayMs?: number;
  /** Growth of the ceiling per failed attempt. Default 2. */
  readonly factor?: number;
  /** A connection must stay up this long before the next drop starts from the first delay again, ms. Default 5 000. */
  readonly minUptimeMs?: number;
  /** Give up on a connection attempt (handshake or token) after this long, ms. Default 10 000. */
  readonly connectTimeoutMs?: number;
}

/** {@link ReconnectPolicy} with every default filled in. */
export type FullReconnectPolicy = Required<ReconnectPolicy>;

/** The defaults of {@link ReconnectPolicy}. */
export const DEFAULT_RECONNECT_POLICY: FullReconnectPolicy = {
  minDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  minUptimeMs: 5_000,
  connectTimeoutMs: 10_000,
};

/**
 * The wait before reconnection attempt `attempt` (0 = the first connection,
 * no wait): an exponentially growing ceiling, capped, with "equal jitter" —
 * a random point in its upper half — so that clients dropped together (a
 * deploy, a network blip) do not come back together, and none hammers the
 * gateway with instant retries.
 */
export function reconnectDelayMs(
  attempt: number,
  policy: FullReconnectPolicy,
  random: () => number,
): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (attempt - 1));
  return Math.round((ceiling / 2) * (1 + random()));
}
