import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

/** A throwaway RS256 key pair and a token signed with it, for the local stack. */
export interface DevIdentity {
  /** SPKI PEM of the public key, what `JWT_PUBLIC_KEY` carries. */
  readonly publicKeyPem: string;
  /** Signs a token for any user and tenant with the dev key. */
  mintToken(
    claims: { sub: string; tenant_id: string; permissions?: string[] },
    expiresIn?: string,
  ): Promise<string>;
}

/**
 * Generates a fresh dev key pair in memory (never written to disk), so `npm
 * start` works with no key configured and prints a ready token.
 */
export async function createDevIdentity(
  options: { issuer?: string; audience?: string } = {},
): Promise<DevIdentity> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    publicKeyPem: await exportSPKI(publicKey),
    async mintToken(claims, expiresIn = '12h') {
      let jwt = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime(expiresIn);
      if (options.issuer) jwt = jwt.setIssuer(options.issuer);
      if (options.audience) jwt = jwt.setAudience(options.audience);
      return jwt.sign(privateKey);
    },
  };
}
