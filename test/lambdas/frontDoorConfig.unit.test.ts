import { describe, expect, it } from 'vitest';
import {
  InvalidSettingError,
  MissingSettingError,
  readAuthorizerConfig,
  readFrontDoorConfig,
} from '../../src/settings/config';

const PEM = '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----';
const tables = { REQUESTS_TABLE: 'r', CONNECTIONS_TABLE: 'c', SUBSCRIPTIONS_TABLE: 's' };

describe('front-door config', () => {
  it('reads the table names and the optional Management API endpoint', () => {
    expect(readFrontDoorConfig(tables)).toEqual({
      requestsTable: 'r',
      connectionsTable: 'c',
      subscriptionsTable: 's',
    });
    expect(
      readFrontDoorConfig({ ...tables, WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://x.example/prod' })
        .managementEndpoint,
    ).toBe('https://x.example/prod');
  });

  it('fails fast naming the missing variable', () => {
    expect(() => readFrontDoorConfig({ REQUESTS_TABLE: 'r', SUBSCRIPTIONS_TABLE: 's' })).toThrow(
      /CONNECTIONS_TABLE/,
    );
    expect(() => readFrontDoorConfig(tables, { requireManagementEndpoint: true })).toThrow(
      MissingSettingError,
    );
    expect(() => readFrontDoorConfig(tables, { requireManagementEndpoint: true })).toThrow(
      /WEBSOCKET_MANAGEMENT_ENDPOINT/,
    );
  });

  it('refuses an endpoint that is not a URL', () => {
    expect(() => readFrontDoorConfig({ ...tables, WEBSOCKET_MANAGEMENT_ENDPOINT: 'nope' })).toThrow(
      InvalidSettingError,
    );
  });
});

describe('authorizer config', () => {
  it('reads the key, issuer, audiences, tenant allow-list and clock tolerance', () => {
    expect(
      readAuthorizerConfig({
        JWT_PUBLIC_KEY: PEM,
        JWT_ISSUER: 'https://auth.example',
        JWT_AUDIENCE: 'streamer, streamer-admin',
        JWT_ALLOWED_TENANTS: 'acme,globex',
        JWT_CLOCK_TOLERANCE_SECONDS: '10',
      }),
    ).toEqual({
      keys: { publicKeyPem: PEM },
      issuer: 'https://auth.example',
      audience: ['streamer', 'streamer-admin'],
      allowedTenants: ['acme', 'globex'],
      clockToleranceSec: 10,
    });
    expect(readAuthorizerConfig({ JWKS_URL: 'https://auth.example/jwks.json' })).toEqual({
      keys: { jwksUrl: 'https://auth.example/jwks.json' },
      clockToleranceSec: 5,
    });
  });

  it.each([
    [{}, /JWT_PUBLIC_KEY/],
    [{ JWT_PUBLIC_KEY: PEM, JWKS_URL: 'https://a.example' }, /only one/],
    [{ JWT_PUBLIC_KEY: 'secret' }, /JWT_PUBLIC_KEY/],
    [{ JWKS_URL: 'not a url' }, /JWKS_URL/],
    [{ JWT_PUBLIC_KEY: PEM, JWT_CLOCK_TOLERANCE_SECONDS: 'lots' }, /JWT_CLOCK_TOLERANCE_SECONDS/],
    [{ JWT_PUBLIC_KEY: PEM, JWT_ALLOWED_TENANTS: ' , ' }, /JWT_ALLOWED_TENANTS/],
  ])('fails fast on %j', (env, message) => {
    expect(() => readAuthorizerConfig(env)).toThrow(message);
  });
});
