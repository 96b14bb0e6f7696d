export { AuthError, type AuthFailureReason } from './authError';
export { type AuthorizeOutcome, authorizeConnect, UNAUTHORIZED } from './authorize';
export { extractToken, type TokenSources } from './extractToken';
export {
  type AuthorizerContext,
  type Identity,
  identityFromAuthorizer,
  MissingIdentityError,
  toAuthorizerContext,
} from './identity';
export { allowPolicy, denyPolicy } from './policy';
export {
  createTokenVerifier,
  type KeySource,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './tokenVerifier';
