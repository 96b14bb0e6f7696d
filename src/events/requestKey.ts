/**
 * Tenant-scoped request keys.
 *
 * Clients choose their own request ids and two tenants may choose the same
 * one, so the log is keyed by `<tenantId>#<clientId>`. A lookup made on behalf
 * of another tenant builds a different key and finds nothing, exactly like a
 * missing id. Tenant ids therefore may not contain `#` (the authorizer
 * rejects such tokens); client ids may.
 */

const SEPARATOR = '#';

/** Thrown when a tenant id cannot be used to scope a key. */
export class InvalidTenantIdError extends Error {
  override readonly name = 'InvalidTenantIdError';
  constructor(readonly tenantId: string) {
    super(
      `Tenant id must be non-empty and must not contain "${SEPARATOR}": ${JSON.stringify(tenantId)}`,
    );
  }
}

/**
 * Builds the storage key of a client's request id within a tenant.
 *
 * @example
 * requestKey('acme', 'r1'); // 'acme#r1'
 */
export function requestKey(tenantId: string, clientRequestId: string): string {
  if (tenantId.length === 0 || tenantId.includes(SEPARATOR))
    throw new InvalidTenantIdError(tenantId);
  return `${tenantId}${SEPARATOR}${clientRequestId}`;
}

/** Splits a storage key back into its tenant and the client's own id. */
export function parseRequestKey(key: string): { tenantId: string; clientRequestId: string } {
  const at = key.indexOf(SEPARATOR);
  if (at <= 0) throw new Error(`Not a tenant-scoped request key: ${JSON.stringify(key)}`);
  return { tenantId: key.slice(0, at), clientRequestId: key.slice(at + 1) };
}
