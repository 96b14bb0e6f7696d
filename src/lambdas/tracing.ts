import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing for every Lambda (Powertools Tracer). In AWS, with active
 * tracing on (the CDK app turns it on), each AWS SDK call becomes a subsegment
 * of the invocation's trace. Outside Lambda — the local stack, tests — the
 * Tracer disables itself and {@link traced} returns the client untouched.
 */
export const tracer = new Tracer({ serviceName: 'streamer' });

/**
 * Instruments an AWS SDK v3 client so its calls show up in the trace.
 *
 * @example
 * const dynamo = traced(new DynamoDBClient({}));
 */
export function traced<T>(client: T): T {
  return tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client;
}
