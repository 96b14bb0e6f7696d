/** Why a connect was refused; logged (never the token) and mapped to 401/403. */
export type AuthFailureReason =
  | 'missing_token'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'claim_invalid'
  | 'missing_claim'
  | 'tenant_not_allowed'
  | 'key_unavailable';

/**
 * A token was refused. `status` is what the client sees: 401 for a missing
 * or unverifiable token, 403 for a valid token whose tenant is not allowed.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly status: 401 | 403;
  constructor(
    readonly reason: AuthFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = reason === 'tenant_not_allowed' ? 403 : 401;
  }
}
