import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../local/waitFor';
import { type SecurityStack, startSecurityStack } from '../support/securityStack';
import { createTestIssuer } from '../support/tokens';

// Token attacks against the real local stack (authorizer → $connect): each
// is refused at the upgrade with 401, and no connection record is written.
let stack: SecurityStack;
beforeAll(async () => {
  stack = await startSecurityStack();
});
afterAll(() => stack?.stop());

const now = () => Math.floor(Date.now() / 1000);

describe('token attacks at $connect', () => {
  it('accepts a valid token, in the query or as a Bearer header (the control case)', async () => {
    expect(await stack.connectStatus(await stack.issuer.mint())).toBe(101);
    expect(await stack.connectStatus(await stack.issuer.mint(), 'header')).toBe(101);
    await waitFor('the probes to disconnect', async () => (await stack.count('connections')) === 0);
    const client = await stack.connect();
    expect(await client.request({ action: 'ping' })).toMatchObject({ type: 'pong' });
    expect(await stack.count('connections')).toBe(1);
    await client.close();
    await waitFor('the client to disconnect', async () => (await stack.count('connections')) === 0);
  });

  const year = 365 * 86_400;
  it.each<[string, () => Promise<string | null>]>([
    ['no token at all', async () => null],
    ['a token that is not a JWT', async () => 'not.a.jwt'],
    ['alg none', async () => stack.issuer.mintUnsigned()],
    ['HS256 signed with the public key', () => stack.issuer.mintHs256WithPublicKey()],
    ['a token signed by another key', async () => (await createTestIssuer()).mint()],
    ['an expired token', () => stack.issuer.mint({ exp: now() - 120 })],
    ['a token without exp', () => stack.issuer.mint({ exp: undefined })],
    ['a token issued ten years ahead', () => stack.issuer.mint({ iat: now() + 10 * year })],
    ['a token not valid for ten minutes', () => stack.issuer.mint({ nbf: now() + 600 })],
    ['a token without sub', () => stack.issuer.mint({ sub: undefined })],
    ['a token without tenant_id', () => stack.issuer.mint({ tenant_id: undefined })],
    ['a tenant_id with a NUL', () => stack.issuer.mint({ tenant_id: 'tenant-a\u0000' })],
    ['a tenant_id with a newline', () => stack.issuer.mint({ tenant_id: 'tenant-a\nx' })],
    ['a blank tenant_id', () => stack.issuer.mint({ tenant_id: '   ' })],
    ['an empty tenant_id', () => stack.issuer.mint({ tenant_id: '' })],
    [
      'a tenant_id with a lone high surrogate',
      () => stack.issuer.mint({ tenant_id: 'tk-X\ud801' }),
    ],
    ['a tenant_id with a lone low surrogate', () => stack.issuer.mint({ tenant_id: 'tk-X\udc00' })],
    ['a tenant_id with the key separator', () => stack.issuer.mint({ tenant_id: 'tenant-a#b' })],
    ['a tenant_id that is not a string', () => stack.issuer.mint({ tenant_id: ['tenant-a'] })],
    ['a sub with a lone surrogate', () => stack.issuer.mint({ sub: 'user\ud83d' })],
    ['a sub with a zero-width space', () => stack.issuer.mint({ sub: 'user\u200b' })],
    ['a sub with a NUL', () => stack.issuer.mint({ sub: 'user\u0000' })],
    ['a token from another issuer', () => stack.issuer.mint({ iss: 'https://evil.example' })],
    ['a token for another audience', () => stack.issuer.mint({ aud: 'someone-else' })],
    [
      'permissions that are not strings',
      () => stack.issuer.mint({ permissions: [{ admin: true }] }),
    ],
  ])('refuses %s with 401 and writes no connection', async (_, mint) => {
    const before = await stack.count('connections');
    const token = await mint();
    expect(await stack.connectStatus(token)).toBe(401);
    if (token !== null) expect(await stack.connectStatus(token, 'header')).toBe(401);
    expect(await stack.count('connections')).toBe(before);
  });
});
