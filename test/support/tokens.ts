import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/** A generated RS256 key pair and a minter of tokens signed with it. */
export interface TestIssuer {
  /** The public key as PEM (what `JWT_PUBLIC_KEY` holds). */
  readonly publicKeyPem: string;
  /** The public key as a JWKS document (what a JWKS URL serves). */
  readonly jwks: { keys: Record<string, unknown>[] };
  readonly issuer: string;
  readonly audience: string;
  /**
   * Mints an RS256 token for `sub`/`tenant_id` (defaults `user-1`/`tenant-a`),
   * valid for an hour, with this issuer's `iss` and `aud`. `claims` override
   * or add claims; a claim set to `undefined` is left out.
   */
  mint(claims?: Record<string, unknown>): Promise<string>;
  /** An unsigned `alg: none` token with the same claims as {@link mint}. */
  mintUnsigned(claims?: Record<string, unknown>): string;
  /** An HS256 token whose HMAC secret is the public key PEM (the classic algorithm-confusion attack). */
  mintHs256WithPublicKey(claims?: Record<string, unknown>): Promise<string>;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Generates a fresh RS256 key pair for a test and returns a token minter.
 *
 * @example
 * const issuer = await createTestIssuer();
 * const token = await issuer.mint({ tenant_id: 'acme' });
 * const expired = await issuer.mint({ exp: Math.floor(Date.now() / 1000) - 60 });
 */
export async function createTestIssuer(
  options: { issuer?: string; audience?: string } = {},
): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicKeyPem = await exportSPKI(publicKey);
  const jwk = await exportJWK(publicKey);
  const issuer = options.issuer ?? 'https://auth.streamer.test';
  const audience = options.audience ?? 'streamer';

  const claimsOf = (claims: Record<string, unknown> = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    const merged: Record<string, unknown> = {
      sub: 'user-1',
      tenant_id: 'tenant-a',
      iss: issuer,
      aud: audience,
      iat: now,
      exp: now + 3600,
      ...claims,
    };
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    return merged;
  };

  return {
    publicKeyPem,
    jwks: { keys: [{ ...jwk, kid: 'test-key', alg: 'RS256', use: 'sig' }] },
    issuer,
    audience,
    mint: (claims) =>
      new SignJWT(claimsOf(claims))
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(privateKey),
    mintUnsigned: (claims) =>
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claimsOf(claims))}.`,
    mintHs256WithPublicKey: (claims) =>
      new SignJWT(claimsOf(claims))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(publicKeyPem)),
  };
}
