import type { RecordedError } from '../events/lifecycle';
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

/**
 * When a failed attempt is tried again: at `now` plus the policy's backoff,
 * if the error is retryable and attempts are left; undefined when this
 * failure is final (it then reaches the machine as the step's error event).
 * The jitter key names the request, the step and the redrive epoch, so a
 * redriven step does not replay the previous epoch's exact schedule.
 */
export function nextAttemptAt(options: {
  readonly policy: Required<RetryPolicy>;
  readonly maxAttempts: number;
  readonly error: RecordedError;
  readonly attempt: number;
  readonly now: number;
  readonly jitterKey: string;
}): number | undefined {
  const { error, attempt, maxAttempts } = options;
  if (!error.retryable || attempt >= maxAttempts) return undefined;
  return options.now + retryDelayMs(options.policy, attempt, options.jitterKey);
}

/**
 * Whether a step's final error means its attempts ran out. A retryable error
 * is retried until no attempt is left, so one that reaches the machine used
 * them all up: the request is dead-lettered, and a redrive may succeed. A
 * non-retryable error (`NonRetryableError`, invalid input) was final on its
 * first attempt: the request just fails.
 */
export function isExhaustion(finalError: RecordedError): boolean {
  return finalError.retryable;
}
