import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GatewayHarness, startGatewayHarness } from '../support/gatewayHarness';

describe('connecting through the local gateway with a JWT', () => {
  let harness: GatewayHarness;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    harness = await startGatewayHarness({
      label: 'connect',
      allowedTenants: ['tenant-a', 'tenant-b'],
    });
  });
  afterAll(() => harness.close());

  it('accepts a valid token in the query and stores the connection record', async () => {
    const client = await harness.connect({ claims: { sub: 'ann', tenant_id: 'tenant-a' } });
    expect(await harness.connections.get(client.connectionId)).toMatchObject({
      connectionId: client.connectionId,
      userId: 'ann',
      tenantId: 'tenant-a',
      endpoint: harness.gateway.managementEndpoint,
      ttl: expect.any(Number),
    });
    const pong = await client.request({ action: 'ping' });
    expect(pong).toMatchObject({ type: 'pong', timestamp: expect.any(Number) });
  });

  it('accepts a valid token in an Authorization: Bearer header', async () => {
    const client = await harness.connect({ claims: { sub: 'bea' }, via: 'header' });
    expect((await harness.connections.get(client.connectionId))?.userId).toBe('bea');
  });

  it.each([
    ['no token', { token: null }],
    ['an expired token', { claims: { exp: now() - 120 } }],
    ['a token not valid yet', { claims: { nbf: now() + 600 } }],
    ['a token from another issuer', { claims: { iss: 'https://evil.example' } }],
    ['a token for another audience', { claims: { aud: 'someone-else' } }],
    ['a token without tenant_id', { claims: { tenant_id: undefined } }],
    ['a token without sub', { claims: { sub: undefined } }],
    ['a token with a # in tenant_id', { claims: { tenant_id: 'tenant-a#x' } }],
    ['a malformed token', { token: 'not-a-jwt' }],
  ])('refuses %s with 401', async (_, options) => {
    expect(await harness.connectStatus(options)).toBe(401);
  });

  it('refuses an alg:none token with 401', async () => {
    expect(await harness.connectStatus({ token: harness.issuer.mintUnsigned() })).toBe(401);
  });

  it('refuses an HS256 token signed with the public key with 401', async () => {
    expect(
      await harness.connectStatus({ token: await harness.issuer.mintHs256WithPublicKey() }),
    ).toBe(401);
  });

  it('refuses a valid token of a tenant outside the allow-list with 403', async () => {
    expect(await harness.connectStatus({ claims: { tenant_id: 'tenant-z' } })).toBe(403);
  });

  it('removes the connection record on disconnect', async () => {
    const client = await harness.connect();
    await client.close();
    await vi.waitFor(async () =>
      expect(await harness.connections.get(client.connectionId)).toBeUndefined(),
    );
  });

  it('never writes a token into the logs', async () => {
    const token = await harness.issuer.mint({ sub: 'leaky' });
    await harness.connect({ token });
    await harness.connectStatus({ token: `${token}x` });
    const logged = JSON.stringify(harness.logs);
    expect(logged).toContain('leaky');
    expect(logged).not.toContain(token.split('.')[2]);
  });
});
