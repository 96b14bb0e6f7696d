import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_AWS } from './localAws';

/** The account id local ARNs carry (the one fauxqs and DynamoDB Local use too). */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Function timeout when none is given: 60 s. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Options for {@link createLambdaContext}. */
export interface LambdaContextOptions {
  /** The function's name, as in AWS (`streamer-processor`). */
  readonly functionName: string;
  /** The function timeout the invocation counts down from. Default 60 s. */
  readonly timeoutMs?: number;
  /** Default 1024, like the CDK app's functions. */
  readonly memoryLimitInMB?: number;
  /** Region in the function ARN. Default {@link LOCAL_AWS}'s. */
  readonly region?: string;
  /** The invocation id; a fresh UUID when omitted. */
  readonly awsRequestId?: string;
  /** Clock for the countdown (ms since the epoch). Default `Date.now`. */
  readonly now?: () => number;
}

/** A Lambda `Context` whose deadline the local invoker also reads. */
export interface LocalLambdaContext extends Context {
  /** Epoch ms at which the invocation times out. */
  readonly deadline: number;
}

/** `arn:aws:lambda:<region>:000000000000:function:<name>`, the ARN Lambda would report. */
export function localFunctionArn(functionName: string, region: string = LOCAL_AWS.region): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
}

/**
 * Builds the `Context` Lambda passes to a Node.js handler for one invocation.
 * `getRemainingTimeInMillis()` counts down from `timeoutMs` on the given clock,
 * so a handler that budgets its work by it (the processor suspends before the
 * deadline) behaves locally as it does in AWS.
 *
 * @example
 * const context = createLambdaContext({ functionName: 'streamer-processor', timeoutMs: 30_000 });
 * await handler(event, context);
 */
export function createLambdaContext(options: LambdaContextOptions): LocalLambdaContext {
  const now = options.now ?? Date.now;
  const region = options.region ?? LOCAL_AWS.region;
  const startedAt = now();
  const deadline = startedAt + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const day = new Date(startedAt).toISOString().slice(0, 10).replaceAll('-', '/');
  const callbackStyle = (name: string) => () => {
    throw new Error(
      `context.${name}() belongs to callback-style handlers; Streamer's handlers are async: return the result or throw.`,
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(options.functionName, region),
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    deadline,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: callbackStyle('done'),
    fail: callbackStyle('fail'),
    succeed: callbackStyle('succeed'),
  };
}

/** How one local invocation ended. */
export type InvocationOutcome<R> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly error: unknown; readonly timedOut: boolean };

/** Raised (as an outcome, not thrown) when a handler outlives its timeout, with Lambda's own wording. */
export class LambdaTimeoutError extends Error {
  override readonly name = 'LambdaTimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Invokes an async Lambda handler once with a fresh {@link createLambdaContext}
 * and reports how it ended. A handler that outlives its timeout counts as
 * failed with {@link LambdaTimeoutError}, as in Lambda; but since a local
 * handler cannot be killed, this waits for it to settle before answering, so
 * callers never run two invocations over the same records at once.
 *
 * @example
 * const outcome = await invokeLocally(handler, event, { functionName: 'streamer-projector' });
 * if (!outcome.ok) console.error(outcome.error);
 */
export async function invokeLocally<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  options: LambdaContextOptions,
): Promise<InvocationOutcome<R>> {
  const now = options.now ?? Date.now;
  const context = createLambdaContext(options);
  try {
    const result = await handler(event, context);
    if (now() > context.deadline) {
      return {
        ok: false,
        error: new LambdaTimeoutError(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        timedOut: true,
      };
    }
    return { ok: true, result };
  } catch (error) {
    return { ok: false, error, timedOut: now() > context.deadline };
  }
}
