/**
 * Who is on a connection: taken from the verified token by the authorizer,
 * handed to every later route by API Gateway as the authorizer context, and
 * never from message fields.
 */
export interface Identity {
  /** The token's `sub`. */
  readonly userId: string;
  /** The token's `tenant_id`. Never contains `#` (it scopes storage keys). */
  readonly tenantId: string;
  /** The token's optional `permissions` claim. */
  readonly permissions: readonly string[];
}

/**
 * The flat authorizer context API Gateway passes to `$connect`, `$default`
 * and `$disconnect` (values must be strings, numbers or booleans, so
 * `permissions` travels as a JSON array string).
 */
export interface AuthorizerContext {
  readonly userId: string;
  readonly tenantId: string;
  /** JSON array of strings, e.g. `["reports:read"]`. */
  readonly permissions: string;
  readonly [key: string]: string | number | boolean;
}

/** Raised when a route event carries no usable authorizer context (a wiring error: fail closed). */
export class MissingIdentityError extends Error {
  override readonly name = 'MissingIdentityError';
}

/** Flattens an identity into the authorizer context. */
export function toAuthorizerContext(identity: Identity): AuthorizerContext {
  return {
    userId: identity.userId,
    tenantId: identity.tenantId,
    permissions: JSON.stringify(identity.permissions),
  };
}

function parsePermissions(value: unknown): string[] {
  if (typeof value !== 'string' || value === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Reads the identity back from a route event's `requestContext.authorizer`.
 * Throws {@link MissingIdentityError} when `userId` or `tenantId` is absent.
 *
 * @example
 * const identity = identityFromAuthorizer(event.requestContext.authorizer);
 */
export function identityFromAuthorizer(authorizer: unknown): Identity {
  const context = (authorizer ?? {}) as Record<string, unknown>;
  const { userId, tenantId } = context;
  if (
    typeof userId !== 'string' ||
    userId === '' ||
    typeof tenantId !== 'string' ||
    tenantId === ''
  ) {
    throw new MissingIdentityError(
      'The route event has no authorizer context with userId and tenantId: is the JWT authorizer attached to $connect?',
    );
  }
  return { userId, tenantId, permissions: parsePermissions(context.permissions) };
}
