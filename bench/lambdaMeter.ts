import type { Context } from 'aws-lambda';

/** Invocations of one function and their durations as Lambda bills them. */
export interface FunctionUsage {
  readonly invocations: number;
  /** Sum of each invocation's duration rounded up to the next ms (Lambda's billing granularity). */
  readonly billedMs: number;
}

/** Counts functions' invocations and times each, as Lambda would bill them. */
export interface LambdaMeter {
  /** Wraps a handler (`startLocalStack`'s `wrapStreamHandler` and `wrapRunnerHandler`). */
  wrap<E, R>(
    functionName: string,
    handler: (event: E, context: Context) => Promise<R>,
  ): (event: E, context: Context) => Promise<R>;
  snapshot(): Readonly<Record<string, FunctionUsage>>;
}

/** A meter over the local stack's back-end functions (processor, projector, runner). */
export function createLambdaMeter(): LambdaMeter {
  const usage = new Map<string, { invocations: number; billedMs: number }>();
  return {
    wrap: (functionName, handler) => async (event, context) => {
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        const entry = usage.get(functionName) ?? { invocations: 0, billedMs: 0 };
        entry.invocations += 1;
        entry.billedMs += Math.ceil(performance.now() - started);
        usage.set(functionName, entry);
      }
    },
    snapshot: () => Object.fromEntries([...usage].map(([name, entry]) => [name, { ...entry }])),
  };
}

/** `after − before`, per function. */
export function usageBetween(
  before: Readonly<Record<string, FunctionUsage>>,
  after: Readonly<Record<string, FunctionUsage>>,
): Record<string, FunctionUsage> {
  return Object.fromEntries(
    Object.entries(after).map(([name, { invocations, billedMs }]) => [
      name,
      {
        invocations: invocations - (before[name]?.invocations ?? 0),
        billedMs: billedMs - (before[name]?.billedMs ?? 0),
      },
    ]),
  );
}
