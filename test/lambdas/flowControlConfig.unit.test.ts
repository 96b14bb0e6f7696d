import { describe, expect, it } from 'vitest';
import { readBackendConfig, readFrontDoorConfig } from '../../src/settings/config';

const FRONT = { REQUESTS_TABLE: 'r', CONNECTIONS_TABLE: 'c', SUBSCRIPTIONS_TABLE: 's' };
const BACK = {
  ...FRONT,
  REQUEST_VIEW_TABLE: 'v',
  DEAD_LETTER_QUEUE_URL: 'https://sqs/dlq',
  WAKE_UP_QUEUE_URL: 'https://sqs/wake',
  WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://api/prod',
};

describe('flow-control settings of the functions', () => {
  it('turn rate limits on with RATE_LIMITS_TABLE, with the documented defaults', () => {
    expect(readFrontDoorConfig(FRONT).rateLimits).toBeUndefined();
    expect(readFrontDoorConfig({ ...FRONT, RATE_LIMITS_TABLE: 'rl' }).rateLimits).toEqual({
      table: 'rl',
      tenantPerSecond: 1_000,
      connectionPerSecond: 100,
      startsPerSecond: 100,
    });
  });

  it('read each limit, 0 turning it off', () => {
    const env = {
      ...FRONT,
      RATE_LIMITS_TABLE: 'rl',
      RATE_LIMIT_TENANT_PER_SECOND: '50',
      RATE_LIMIT_CONNECTION_PER_SECOND: '0',
      RATE_LIMIT_TENANT_STARTS_PER_SECOND: '5',
    };
    expect(readFrontDoorConfig(env).rateLimits).toMatchObject({
      tenantPerSecond: 50,
      connectionPerSecond: 0,
      startsPerSecond: 5,
    });
  });

  it('turn concurrency slots and circuits on with FLOW_CONTROL_TABLE', () => {
    expect(readBackendConfig(BACK).flowControl).toBeUndefined();
    expect(
      readBackendConfig({ ...BACK, FLOW_CONTROL_TABLE: 'fc', CONCURRENCY_PER_TENANT: '3' })
        .flowControl,
    ).toEqual({ table: 'fc', concurrencyPerTenant: 3 });
  });

  it('fail the cold start on a limit that is no whole number, naming the variable', () => {
    expect(() =>
      readFrontDoorConfig({
        ...FRONT,
        RATE_LIMITS_TABLE: 'rl',
        RATE_LIMIT_TENANT_PER_SECOND: 'lots',
      }),
    ).toThrow(
      /RATE_LIMIT_TENANT_PER_SECOND must be a whole number >= 0 \(0 turns the limit off\), got "lots"/,
    );
    expect(() =>
      readBackendConfig({ ...BACK, FLOW_CONTROL_TABLE: 'fc', CONCURRENCY_PER_TENANT: '5000' }),
    ).toThrow(/CONCURRENCY_PER_TENANT/);
  });
});
