/**
 * Identifiers at the door, and the tenant-scoped storage key built from them.
 *
 * Clients choose their own request ids and two tenants may choose the same
 * one, so a request's log is keyed by `<tenantId>#<requestId>`: the *request
 * key*. A lookup made on behalf of another tenant builds a different key and
 * finds nothing, exactly like a missing id.
 *
 * The key must be injective: two different (tenant, request id) pairs must
 * never be stored under one key. DynamoDB stores strings as UTF-8, and a lone
 * UTF-16 surrogate has no UTF-8 form (it is stored as U+FFFD), so
 * `tk-X\ud801` and `tk-X\ufffd` would meet in one item. Every id is therefore
 * checked to be well-formed Unicode of a documented charset and length
 * before it reaches a key (docs/protocol.md, "Identifiers"), and tenant ids
 * never contain the `#` separator, so the first `#` splits a key uniquely.
 */

const SEPARATOR = '#';

/** The limits of each kind of identifier, in UTF-16 code units. */
export const ID_RULES = {
  /** Tenant ids (the token's `tenant_id`): letters, digits and `_ . : @ + -`; no `#`, no spaces. */
  tenantId: { maxLength: 128 },
  /** User ids (the token's `sub`): any printable characters, no control or format characters. */
  userId: { maxLength: 256 },
  /** Client-chosen request ids: any printable characters, no control or format characters. */
  requestId: { maxLength: 128 },
} as const;

/** Which identifier an {@link InvalidIdError} is about. */
export type IdKind = keyof typeof ID_RULES;

const TENANT_ID = /^[\p{L}\p{N}_.:@+-]+$/u;
/** Control (Cc), format (Cf, e.g. zero-width and bidi overrides), unassigned, private-use and surrogate code points. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\u2028\u2029]/u;

/** Raised when an identifier breaks {@link ID_RULES}; `problem` says which rule. */
export class InvalidIdError extends Error {
  override readonly name = 'InvalidIdError';
  constructor(
    readonly kind: IdKind,
    readonly problem: string,
  ) {
    super(`Invalid ${kind}: ${problem}`);
  }
}

/**
 * Why `value` is not a valid identifier of `kind`, or undefined when it is.
 *
 * @example
 * idProblem('tenantId', 'acme'); // undefined
 * idProblem('requestId', 'r\u0000'); // 'must not contain control, format or unassigned characters'
 */
export function idProblem(kind: IdKind, value: unknown): string | undefined {
  const { maxLength } = ID_RULES[kind];
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!value.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  if (kind === 'tenantId') {
    return TENANT_ID.test(value)
      ? undefined
      : 'may hold only letters, digits and _ . : @ + - (no "#", no spaces)';
  }
  if (UNPRINTABLE.test(value)) return 'must not contain control, format or unassigned characters';
  if (value.trim() !== value) return 'must not start or end with white space';
  return undefined;
}

/**
 * Returns `value` if it is a valid identifier of `kind`, else throws
 * {@link InvalidIdError}.
 */
export function checkId(kind: IdKind, value: unknown): string {
  const problem = idProblem(kind, value);
  if (problem !== undefined) throw new InvalidIdError(kind, problem);
  return value as string;
}

/**
 * Builds the storage key of a client's request id within a tenant. Both ids
 * are checked first ({@link InvalidIdError}), which keeps the key injective.
 *
 * @example
 * toRequestKey('acme', 'r1'); // 'acme#r1'
 */
export function toRequestKey(tenantId: string, requestId: string): string {
  return `${checkId('tenantId', tenantId)}${SEPARATOR}${checkId('requestId', requestId)}`;
}

/** Splits a request key back into its tenant and the client's own request id. */
export function parseRequestKey(requestKey: string): { tenantId: string; requestId: string } {
  const at = requestKey.indexOf(SEPARATOR);
  if (at <= 0) throw new Error(`Not a tenant-scoped request key: ${JSON.stringify(requestKey)}`);
  return { tenantId: requestKey.slice(0, at), requestId: requestKey.slice(at + 1) };
}
