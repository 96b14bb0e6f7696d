import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeConnect,
  createTokenVerifier,
  extractToken,
  type TokenVerifier,
} from '../../src/auth';
import { createTestIssuer, type TestIssuer } from '../support/tokens';

const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:local01/local/$connect';

function connectEvent(
  overrides: Partial<APIGatewayRequestAuthorizerEvent> = {},
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn,
    resource: '$connect',
    path: '/',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    pathParameters: {},
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: {
      accountId: '000000000000',
      apiId: 'local01',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      identity: {} as APIGatewayRequestAuthorizerEvent['requestContext']['identity'],
      path: '/',
      stage: 'local',
      requestId: 'req-1',
      requestTimeEpoch: 0,
      resourceId: '$connect',
      resourcePath: '$connect',
    },
    ...overrides,
  };
}

describe('extractToken', () => {
  it('reads the Authorization query parameter first, then a Bearer header of any case', () => {
    expect(
      extractToken({
        queryStringParameters: { Authorization: 'q' },
        headers: { Authorization: 'Bearer h' },
      }),
    ).toBe('q');
    expect(extractToken({ headers: { authorization: 'Bearer h' } })).toBe('h');
    expect(extractToken({ headers: { AUTHORIZATION: 'bearer h' } })).toBe('h');
  });

  it('finds nothing in a non-Bearer header or an empty request', () => {
    expect(extractToken({ headers: { Authorization: 'Basic dXNlcjpwYXNz' } })).toBeUndefined();
    expect(extractToken({ headers: null, queryStringParameters: null })).toBeUndefined();
  });
});

describe('authorizeConnect', () => {
  let issuer: TestIssuer;
  let verify: TokenVerifier;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    verify = createTokenVerifier({
      keys: { publicKeyPem: issuer.publicKeyPem },
      allowedTenants: ['tenant-a'],
    });
  });

  it('allows exactly the methodArn with a flat identity context', async () => {
    const token = await issuer.mint({ sub: 'ann', permissions: ['a', 'b'] });
    const outcome = await authorizeConnect(
      connectEvent({ queryStringParameters: { Authorization: token } }),
      verify,
    );
    expect(outcome.effect).toBe('Allow');
    if (outcome.effect !== 'Allow') return;
    expect(outcome.result).toEqual({
      principalId: 'ann',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
      },
      context: { userId: 'ann', tenantId: 'tenant-a', permissions: '["a","b"]' },
    });
  });

  it('is Unauthorized without a token and with a bad one', async () => {
    expect(await authorizeConnect(connectEvent(), verify)).toEqual({
      effect: 'Unauthorized',
      reason: 'missing_token',
    });
    const bad = await authorizeConnect(
      connectEvent({ headers: { Authorization: 'Bearer x.y.z' } }),
      verify,
    );
    expect(bad.effect).toBe('Unauthorized');
  });

  it('denies a valid token of a tenant outside the allow-list', async () => {
    const token = await issuer.mint({ tenant_id: 'tenant-b' });
    const outcome = await authorizeConnect(
      connectEvent({ headers: { Authorization: `Bearer ${token}` } }),
      verify,
    );
    expect(outcome.effect).toBe('Deny');
    if (outcome.effect === 'Deny')
      expect(outcome.result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
  });

  it('fails closed when the verifier itself breaks', async () => {
    const broken: TokenVerifier = async () => {
      throw new TypeError('unexpected');
    };
    const outcome = await authorizeConnect(
      connectEvent({ queryStringParameters: { Authorization: 'x' } }),
      broken,
    );
    expect(outcome.effect).toBe('Unauthorized');
  });
});
