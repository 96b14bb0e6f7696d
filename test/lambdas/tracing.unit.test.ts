import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { traced, tracer, tracingWanted } from '../../src/lambdas/tracing';

describe('tracing', () => {
  it('is wanted inside Lambda unless POWERTOOLS_TRACE_ENABLED=false', () => {
    expect(tracingWanted({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' })).toBe(true);
    expect(
      tracingWanted({
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        POWERTOOLS_TRACE_ENABLED: 'true',
      }),
    ).toBe(true);
    expect(
      tracingWanted({
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        POWERTOOLS_TRACE_ENABLED: 'FALSE',
      }),
    ).toBe(false);
  });

  it('is not wanted outside Lambda (local stack, tests, bench), whatever the Powertools setting', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ POWERTOOLS_TRACE_ENABLED: 'true' })).toBe(false);
  });

  it('outside Lambda loads no tracer and hands SDK clients back untouched', () => {
    expect(tracer).toBeUndefined();
    const client = new DynamoDBClient({ region: 'us-east-1' });
    expect(traced(client)).toBe(client);
    client.destroy();
  });
});
