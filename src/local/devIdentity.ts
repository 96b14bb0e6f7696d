import {
  type CryptoKey,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  SignJWT,
} from 'jose';

/** A throwaway RS256 key pair and a token signed with it, for the local stack. */
export interface DevIdentity {
  /** SPKI PEM of the public key, what `JWT_PUBLIC_KEY` carries. */
  readonly publicKeyPem: string;
  /**
   * PKCS #8 PEM of the private key: the running stack publishes it in its
   * owner-only stack info file, so local tools (`streamer runs …`) can mint
   * tokens for it. It signs tokens for the local stack only.
   */
  readonly privateKeyPem: string;
  /** Signs a token for any user and tenant with the dev key. */
  mintToken(
    claims: { sub: string; tenant_id: string; permissions?: string[] },
    expiresIn?: string,
  ): Promise<string>;
}

/** The token settings a dev identity signs with. */
export interface DevIdentityOptions {
  readonly issuer?: string;
  readonly audience?: string;
}

/**
 * Generates a fresh dev key pair in memory, so `npm start` works with no key
 * configured and prints a ready token. The stack writes the private key only
 * into its stack info file (mode 0600), which it removes when it stops.
 */
export async function createDevIdentity(options: DevIdentityOptions = {}): Promise<DevIdentity> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return identity(await exportSPKI(publicKey), await exportPKCS8(privateKey), privateKey, options);
}

/**
 * The dev identity of a running stack, from the private key it published
 * (`StackInfo.devKey`): what `streamer runs …` mints its token with.
 *
 * @example
 * const token = await (await devIdentityFromKey(info.devKey.privateKeyPem)).mintToken({ sub: 'dev-user', tenant_id: 'dev-tenant' });
 */
export async function devIdentityFromKey(
  privateKeyPem: string,
  options: DevIdentityOptions = {},
): Promise<Pick<DevIdentity, 'mintToken'>> {
  const privateKey = await importPKCS8(privateKeyPem, 'RS256');
  return identity('', privateKeyPem, privateKey, options);
}

function identity(
  publicKeyPem: string,
  privateKeyPem: string,
  privateKey: CryptoKey,
  options: DevIdentityOptions,
): DevIdentity {
  return {
    publicKeyPem,
    privateKeyPem,
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
