import { describe, expect, it } from 'vitest';
import {
  createLambdaContext,
  invokeLocally,
  LambdaTimeoutError,
} from '../../src/local/lambdaContext';

describe('local Lambda context', () => {
  it('counts getRemainingTimeInMillis down from the timeout on the given clock, never below zero', () => {
    let now = 1_000_000;
    const context = createLambdaContext({
      functionName: 'streamer-processor',
      timeoutMs: 5_000,
      now: () => now,
    });

    expect(context.getRemainingTimeInMillis()).toBe(5_000);
    now += 1_200;
    expect(context.getRemainingTimeInMillis()).toBe(3_800);
    now += 10_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(context).toMatchObject({
      functionName: 'streamer-processor',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:streamer-processor',
      logGroupName: '/aws/lambda/streamer-processor',
    });
    expect(() => context.succeed('x')).toThrow(/async/);
  });

  it('reports a handler that outlives its timeout as failed, like Lambda, after it settles', async () => {
    let now = 0;
    const outcome = await invokeLocally(
      async (_event: unknown) => {
        now += 3_001;
        return 'late';
      },
      {},
      { functionName: 'slow', timeoutMs: 3_000, now: () => now },
    );

    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.timedOut).toBe(true);
    expect(!outcome.ok && outcome.error).toBeInstanceOf(LambdaTimeoutError);
  });

  it('passes a thrown error through as a failed outcome', async () => {
    const boom = new Error('boom');
    const outcome = await invokeLocally(
      async () => {
        throw boom;
      },
      {},
      { functionName: 'f' },
    );
    expect(outcome).toEqual({ ok: false, error: boom, timedOut: false });
  });
});
