import { unitHash } from './hash';

/**
 * Retry policy: exponential backoff with deterministic jitter.
 *
 * Jitter usually comes from `Math.random()`, which would make the recorded
 * `retryAt` unreproducible. Here it is a hash of (request, step, attempt):
 * different requests still spread out, and the same schedule replays the same.
 */

/** How a workflow's steps are retried. */
export interface RetryPolicy {
  /** Attempts per step invocation, the first one included (1 = never retry). */
  readonly maxAttempts: number;
  /** Delay before the second attempt. */
  readonly initialDelayMs: number;
  /** Factor applied to the delay after each failed attempt. */
  readonly backoffRate: number;
  /** Upper bound of any delay. */
  readonly maxDelayMs: number;
  /** Spread each delay over [delay / 2, delay] ("equal jitter"). Default true. */
  readonly jitter?: boolean;
}

/** The policy used when a workflow does not give one. */
export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = {
  maxAttempts: 3,
  initialDelayMs: 1_000,
  backoffRate: 2,
  maxDelayMs: 60_000,
  jitter: true,
};

/** Fills the defaults of a partial policy and checks it makes sense. */
export function normalizeRetryPolicy(policy: Partial<RetryPolicy> = {}): Required<RetryPolicy> {
  const full = { ...DEFAULT_RETRY_POLICY, ...policy };
  if (!Number.isInteger(full.maxAttempts) || full.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be a whole number >= 1, got ${full.maxAttempts}`);
  }
  if (full.initialDelayMs < 0 || full.maxDelayMs < 0 || full.backoffRate < 1) {
    throw new RangeError('retry delays must be >= 0 and backoffRate >= 1');
  }
  return full;
}

/**
 * The delay before the attempt after `failedAttempt` (1-based).
 *
 * @example
 * retryDelayMs({ ...DEFAULT_RETRY_POLICY, jitter: false }, 2, 'acme#r1/fetch'); // 2000
 */
export function retryDelayMs(
  policy: Required<RetryPolicy>,
  failedAttempt: number,
  jitterKey: string,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.backoffRate ** Math.max(0, failedAttempt - 1),
  );
  if (!policy.jitter) return Math.round(base);
  return Math.round(base / 2 + (base / 2) * unitHash(`${jitterKey}#${failedAttempt}`));
}
