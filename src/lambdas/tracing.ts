import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Whether this process may trace at all: inside Lambda (`AWS_EXECUTION_ENV`)
 * unless `POWERTOOLS_TRACE_ENABLED=false`. Powertools then makes the finer
 * decision (SAM local, Amplify mock) itself.
 */
export function tracingWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.AWS_EXECUTION_ENV) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

/**
 * X-Ray tracing for every Lambda (Powertools Tracer). In AWS, with active
 * tracing on (the CDK app turns it on), each AWS SDK call becomes a subsegment
 * of the invocation's trace. Outside Lambda — the local stack, tests, the
 * bench — the Tracer is not even loaded: the X-Ray SDK it brings installs an
 * async hook (cls-hooked) at import that makes every promise in the process
 * about 10× dearer, and the local stack's hot paths are made of promises
 * (docs/performance.md).
 *
 * Set once the import below settles (in a Lambda bundle, within the init
 * phase). It is no top-level `await`: a module holding one cannot be
 * `require()`d, and a CommonJS app requiring `streamer-engine/runtime` (its
 * tests under tsx or ts-node) failed with ERR_REQUIRE_ASYNC_MODULE.
 */
export let tracer: Tracer | undefined;

const tracerLoaded: Promise<Tracer> | undefined = tracingWanted(process.env)
  ? import('@aws-lambda-powertools/tracer').then(({ Tracer }) => {
      tracer = new Tracer({ serviceName: 'streamer' });
      return tracer;
    })
  : undefined;

/**
 * Instruments an AWS SDK v3 client so its calls show up in the trace; returns
 * the client untouched when not tracing. A client made before the tracer has
 * loaded is instrumented (in place: the tracer adds middleware) once it has.
 *
 * @example
 * const dynamo = traced(new DynamoDBClient({}));
 */
export function traced<T>(client: T): T {
  if (tracer) return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
  void tracerLoaded?.then((loaded) => {
    if (loaded.isTracingEnabled()) loaded.captureAWSv3Client(client);
  });
  return client;
}
