import { beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createTokenVerifier, type TokenVerifier } from '../../src/auth';
import { createTestIssuer, type TestIssuer } from '../support/tokens';

async function refusal(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AuthError) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('createTokenVerifier', () => {
  let issuer: TestIssuer;
  let verify: TokenVerifier;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    issuer = await createTestIssuer();
    verify = createTokenVerifier({
      keys: { publicKeyPem: issuer.publicKeyPem },
      issuer: issuer.issuer,
      audience: issuer.audience,
    });
  });

  it('returns the identity of a valid RS256 token', async () => {
    const token = await issuer.mint({
      sub: 'ann',
      tenant_id: 'acme',
      permissions: ['reports:read'],
    });
    await expect(verify(token)).resolves.toEqual({
      userId: 'ann',
      tenantId: 'acme',
      permissions: ['reports:read'],
    });
  });

  it('accepts a PEM whose newlines arrived as literal \\n', async () => {
    const escaped = createTokenVerifier({
      keys: { publicKeyPem: issuer.publicKeyPem.replace(/\n/g, '\\n') },
    });
    await expect(escaped(await issuer.mint())).resolves.toMatchObject({ userId: 'user-1' });
  });

  it.each([
    ['expired', () => issuer.mint({ exp: now() - 60 }), 'expired'],
    ['without exp', () => issuer.mint({ exp: undefined }), 'missing_claim'],
    ['not yet valid', () => issuer.mint({ nbf: now() + 600 }), 'not_yet_valid'],
    ['from another issuer', () => issuer.mint({ iss: 'https://evil.example' }), 'claim_invalid'],
    ['for another audience', () => issuer.mint({ aud: 'someone-else' }), 'claim_invalid'],
    ['without sub', () => issuer.mint({ sub: undefined }), 'missing_claim'],
    ['without tenant_id', () => issuer.mint({ tenant_id: undefined }), 'missing_claim'],
    ['with a # in tenant_id', () => issuer.mint({ tenant_id: 'acme#other' }), 'claim_invalid'],
    [
      'issued ten years ahead',
      () => issuer.mint({ iat: now() + 10 * 365 * 86_400 }),
      'not_yet_valid',
    ],
    ['issued a minute ahead', () => issuer.mint({ iat: now() + 60 }), 'not_yet_valid'],
    ['with a non-numeric iat', () => issuer.mint({ iat: 'yesterday' }), 'claim_invalid'],
    [
      'with a NUL in tenant_id',
      () => issuer.mint({ tenant_id: 'tenant-a\u0000' }),
      'claim_invalid',
    ],
    [
      'with a newline in tenant_id',
      () => issuer.mint({ tenant_id: 'tenant-a\nx' }),
      'claim_invalid',
    ],
    ['with a blank tenant_id', () => issuer.mint({ tenant_id: '   ' }), 'claim_invalid'],
    ['with an empty tenant_id', () => issuer.mint({ tenant_id: '' }), 'missing_claim'],
    [
      'with a lone surrogate in tenant_id',
      () => issuer.mint({ tenant_id: 'tk-X\ud801' }),
      'claim_invalid',
    ],
    ['with a numeric tenant_id', () => issuer.mint({ tenant_id: 42 }), 'missing_claim'],
    [
      'with a tenant_id over 128 characters',
      () => issuer.mint({ tenant_id: 'a'.repeat(129) }),
      'claim_invalid',
    ],
    ['with a NUL in sub', () => issuer.mint({ sub: 'ann\u0000' }), 'claim_invalid'],
    ['with a lone surrogate in sub', () => issuer.mint({ sub: 'ann\udc00' }), 'claim_invalid'],
    ['with a zero-width space in sub', () => issuer.mint({ sub: 'ann\u200b' }), 'claim_invalid'],
    ['with a sub padded by spaces', () => issuer.mint({ sub: ' ann ' }), 'claim_invalid'],
    ['with non-string permissions', () => issuer.mint({ permissions: [1] }), 'claim_invalid'],
    ['signed with alg none', async () => issuer.mintUnsigned(), 'algorithm_not_allowed'],
    [
      'HS256-signed with the public key',
      () => issuer.mintHs256WithPublicKey(),
      'algorithm_not_allowed',
    ],
    ['not a JWT at all', async () => 'not.a.jwt', 'malformed_token'],
  ])('refuses a token %s with 401', async (_, mint, reason) => {
    const error = await refusal(verify(await mint()));
    expect(error.reason).toBe(reason);
    expect(error.status).toBe(401);
  });

  it('refuses a token signed by another key', async () => {
    const stranger = await createTestIssuer();
    expect((await refusal(verify(await stranger.mint()))).reason).toBe('bad_signature');
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    await expect(verify(await issuer.mint({ exp: now() - 2 }))).resolves.toBeDefined();
    await expect(verify(await issuer.mint({ nbf: now() + 2 }))).resolves.toBeDefined();
    await expect(verify(await issuer.mint({ iat: now() + 2 }))).resolves.toBeDefined();
    expect((await refusal(verify(await issuer.mint({ exp: now() - 30 })))).reason).toBe('expired');
  });

  it('does not check iss or aud when none is configured', async () => {
    const lenient = createTokenVerifier({ keys: { publicKeyPem: issuer.publicKeyPem } });
    await expect(
      lenient(await issuer.mint({ iss: 'anyone', aud: 'anything' })),
    ).resolves.toBeDefined();
  });

  it('refuses tenants outside the allow-list with 403', async () => {
    const listed = createTokenVerifier({
      keys: { publicKeyPem: issuer.publicKeyPem },
      allowedTenants: ['acme'],
    });
    await expect(listed(await issuer.mint({ tenant_id: 'acme' }))).resolves.toMatchObject({
      tenantId: 'acme',
    });
    const error = await refusal(listed(await issuer.mint({ tenant_id: 'globex' })));
    expect(error.reason).toBe('tenant_not_allowed');
    expect(error.status).toBe(403);
  });

  it('fails closed when the configured key is not a usable PEM', async () => {
    const broken = createTokenVerifier({ keys: { publicKeyPem: 'not a pem' } });
    expect((await refusal(broken(await issuer.mint()))).status).toBe(401);
  });
});
