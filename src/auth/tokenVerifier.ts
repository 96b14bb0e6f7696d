import {
  createRemoteJWKSet,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { idProblem } from '../events/requestKey';
import { AuthError } from './authError';
import type { Identity } from './identity';

/** Where verification keys come from: exactly one of the two. */
export type KeySource = { readonly publicKeyPem: string } | { readonly jwksUrl: string };

/** What the verifier checks besides the signature. */
export interface TokenVerifierOptions {
  readonly keys: KeySource;
  /** Required `iss` when set. */
  readonly issuer?: string;
  /** Required `aud` (one of) when set. */
  readonly audience?: string | readonly string[];
  /** Allowed clock skew for `exp`/`nbf`/`iat`, in seconds. Default 5. */
  readonly clockToleranceSec?: number;
  /** When set, only these tenants may connect (others get 403). */
  readonly allowedTenants?: readonly string[];
  /** The current time; injected by tests. */
  readonly now?: () => Date;
}

/** Verifies a bearer token and returns who it names; throws {@link AuthError}. */
export type TokenVerifier = (token: string) => Promise<Identity>;

type VerificationKey = Awaited<ReturnType<typeof importSPKI>> | JWTVerifyGetKey;

// Module scope, so a warm Lambda imports a PEM once and keeps its JWKS cache
// (jose's remote key set caches and rate-limits refetches itself).
const keyCache = new Map<string, Promise<VerificationKey>>();

function normalisePem(pem: string): string {
  // Environment variables often carry PEMs with literal "\n" sequences.
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}

function loadKey(source: KeySource): Promise<VerificationKey> {
  const cacheKey = 'jwksUrl' in source ? `jwks:${source.jwksUrl}` : `pem:${source.publicKeyPem}`;
  let key = keyCache.get(cacheKey);
  if (!key) {
    key =
      'jwksUrl' in source
        ? Promise.resolve(createRemoteJWKSet(new URL(source.jwksUrl)))
        : importSPKI(normalisePem(source.publicKeyPem), 'RS256');
    // A key that fails to load must not be cached: the next connect retries.
    key.catch(() => keyCache.delete(cacheKey));
    keyCache.set(cacheKey, key);
  }
  return key;
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof errors.JWTExpired)
    return new AuthError('expired', 'Token has expired', { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf')
      return new AuthError('not_yet_valid', 'Token is not valid yet', { cause: error });
    if (error.reason === 'missing') {
      return new AuthError('missing_claim', `Token has no "${error.claim}" claim`, {
        cause: error,
      });
    }
    return new AuthError('claim_invalid', `Token claim "${error.claim}" is not accepted`, {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('algorithm_not_allowed', 'Token algorithm is not allowed (RS256 only)', {
      cause: error,
    });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('bad_signature', 'Token signature does not verify', { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError('bad_signature', 'No key in the key set matches the token', {
      cause: error,
    });
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new AuthError('key_unavailable', 'Verification keys could not be loaded', {
      cause: error,
    });
  }
  if (error instanceof errors.JOSEError)
    return new AuthError('malformed_token', 'Token is malformed', { cause: error });
  return new AuthError('key_unavailable', 'Token could not be verified', { cause: error });
}

/**
 * Refuses a token issued in the future (beyond the clock tolerance): jose
 * checks `iat` only against a `maxTokenAge`, so a token claiming to be issued
 * ten years ahead would otherwise pass. (jose already refuses a non-numeric `iat`.)
 */
function checkIssuedAt(payload: JWTPayload, now: Date, toleranceSec: number): void {
  if (typeof payload.iat !== 'number') return;
  const nowSec = Math.floor(now.getTime() / 1000);
  if (payload.iat > nowSec + toleranceSec) {
    throw new AuthError(
      'not_yet_valid',
      `Token "iat" is ${payload.iat - nowSec} s in the future (tolerance ${toleranceSec} s): check the issuer's clock`,
    );
  }
}

function identityOf(payload: JWTPayload, allowedTenants: readonly string[] | undefined): Identity {
  const { sub } = payload;
  const tenantId = payload.tenant_id;
  const permissions = payload.permissions ?? [];
  if (typeof sub !== 'string' || sub === '')
    throw new AuthError('missing_claim', 'Token has no "sub" claim');
  if (typeof tenantId !== 'string' || tenantId === '') {
    throw new AuthError('missing_claim', 'Token has no "tenant_id" claim');
  }
  // Both ids end up in storage keys: the same rules as every id at the door.
  const subProblem = idProblem('userId', sub);
  if (subProblem !== undefined) {
    throw new AuthError('claim_invalid', `Token claim "sub" is not a valid user id: ${subProblem}`);
  }
  const tenantProblem = idProblem('tenantId', tenantId);
  if (tenantProblem !== undefined) {
    throw new AuthError(
      'claim_invalid',
      `Token claim "tenant_id" is not a valid tenant id: ${tenantProblem}`,
    );
  }
  if (
    !Array.isArray(permissions) ||
    !permissions.every((p): p is string => typeof p === 'string')
  ) {
    throw new AuthError('claim_invalid', 'Token claim "permissions" must be an array of strings');
  }
  if (allowedTenants && !allowedTenants.includes(tenantId)) {
    throw new AuthError('tenant_not_allowed', 'Tenant is not allowed to connect');
  }
  return { userId: sub, tenantId, permissions };
}

/**
 * Builds a verifier for Streamer's connect tokens: RS256 only (`none`, HS256
 * and every other algorithm are refused), `exp` required, `nbf` checked when
 * present, `iat` not in the future, `iss`/`aud` checked when configured,
 * `sub` and `tenant_id` required and well-formed (the id rules of
 * `src/events/requestKey.ts`), a small clock tolerance. Keys come from a PEM or a JWKS URL and
 * are cached at module scope.
 *
 * @example
 * const verify = createTokenVerifier({ keys: { publicKeyPem }, issuer: 'https://auth.example' });
 * const { userId, tenantId } = await verify(token); // or throws AuthError
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const audience =
    typeof options.audience === 'string'
      ? options.audience
      : options.audience && [...options.audience];
  return async (token) => {
    try {
      const key = await loadKey(options.keys);
      const verifyOptions = {
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
        clockTolerance: options.clockToleranceSec ?? 5,
        ...(options.issuer !== undefined && { issuer: options.issuer }),
        ...(audience !== undefined && { audience }),
        ...(options.now && { currentDate: options.now() }),
      };
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions);
      checkIssuedAt(payload, options.now?.() ?? new Date(), verifyOptions.clockTolerance);
      return identityOf(payload, options.allowedTenants);
    } catch (error) {
      throw toAuthError(error);
    }
  };
}
