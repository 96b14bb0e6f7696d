import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { AuthError } from './authError';
import { extractToken } from './extractToken';
import { allowPolicy, denyPolicy } from './policy';
import type { TokenVerifier } from './tokenVerifier';

/**
 * The message API Gateway recognises in a thrown authorizer error: it then
 * answers the upgrade with 401 instead of 500.
 */
export const UNAUTHORIZED = 'Unauthorized';

/** What {@link authorizeConnect} decided, for the handler to log and return. */
export type AuthorizeOutcome =
  | {
      readonly effect: 'Allow';
      readonly result: APIGatewayAuthorizerResult;
      readonly userId: string;
      readonly tenantId: string;
    }
  | {
      readonly effect: 'Deny';
      readonly result: APIGatewayAuthorizerResult;
      readonly reason: AuthError['reason'];
    }
  | { readonly effect: 'Unauthorized'; readonly reason: AuthError['reason'] };

/**
 * Decides a `$connect` authorization. Fails closed: any error, expected or
 * not, becomes `Unauthorized` (401) — except a valid token of a tenant that
 * is not allowed, which is `Deny` (403).
 *
 * @example
 * const outcome = await authorizeConnect(event, verify);
 * if (outcome.effect === 'Unauthorized') throw new Error(UNAUTHORIZED);
 * return outcome.result;
 */
export async function authorizeConnect(
  event: Pick<APIGatewayRequestAuthorizerEvent, 'methodArn' | 'headers' | 'queryStringParameters'>,
  verify: TokenVerifier,
): Promise<AuthorizeOutcome> {
  const token = extractToken(event);
  if (!token) return { effect: 'Unauthorized', reason: 'missing_token' };
  try {
    const identity = await verify(token);
    return {
      effect: 'Allow',
      result: allowPolicy(identity, event.methodArn),
      userId: identity.userId,
      tenantId: identity.tenantId,
    };
  } catch (error) {
    const failure =
      error instanceof AuthError ? error : new AuthError('key_unavailable', 'Verification failed');
    if (failure.status === 403) {
      return {
        effect: 'Deny',
        result: denyPolicy('forbidden', event.methodArn),
        reason: failure.reason,
      };
    }
    return { effect: 'Unauthorized', reason: failure.reason };
  }
}
